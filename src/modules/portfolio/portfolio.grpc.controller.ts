import { Controller } from '@nestjs/common';
import { RequirePermissions } from '../../common/auth/auth.decorators';
import { PROFILE_WRITE } from '../user-admin/user-access';
import { GrpcMethod, Payload } from '@nestjs/microservices';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { GRPC_WIRE } from '../../common/grpc/wire';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import {
  AddSkillRequestDto, CreateExperienceRequestDto, DeleteExperienceRequestDto, DeleteSkillCategoryRequestDto, OwnerRequestDto,
  RemoveSkillRequestDto, UpdateExperienceRequestDto, UpdateProfileRequestDto,
} from './dto/portfolio-requests.dto';
import { PortfolioExperiencesService } from './portfolio-experiences.service';
import { ownerRefOf, PortfolioProfileService } from './portfolio-profile.service';
import { PortfolioSkillsService } from './portfolio-skills.service';
import { presentExperience, presentProfile, presentSkillCategory } from './portfolio.presenter';

/** portfolio.v1.PortfolioService over gRPC: translation only. Writes are profile writes: they need `profile:write` (a guest may not make them). */
@Controller()
export class PortfolioGrpcController {
  constructor(
    private readonly profiles: PortfolioProfileService,
    private readonly experiences: PortfolioExperiencesService,
    private readonly skills: PortfolioSkillsService,
  ) {}

  @Public()
  @RateLimited('portfolio-read')
  @GrpcMethod('PortfolioService', 'GetProfile')
  async getProfile(@Payload() req: OwnerRequestDto) {
    return { profile: presentProfile(await this.profiles.get(ownerRefOf(req)), GRPC_WIRE) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'UpdateProfile')
  async updateProfile(@Payload() req: UpdateProfileRequestDto, @CurrentPrincipal() p: Principal) {
    const { updateMask, ...fields } = req;
    return { profile: presentProfile(await this.profiles.update(p.userId, fields, updateMask), GRPC_WIRE) };
  }

  @Public()
  @RateLimited('portfolio-read')
  @GrpcMethod('PortfolioService', 'ListExperiences')
  async listExperiences(@Payload() req: OwnerRequestDto) {
    const items = await this.experiences.list(await this.profiles.ownerId(ownerRefOf(req)));
    return { experiences: items.map((e) => presentExperience(e, GRPC_WIRE)) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'CreateExperience')
  async createExperience(@Payload() req: CreateExperienceRequestDto, @CurrentPrincipal() p: Principal) {
    return { experience: presentExperience(await this.experiences.create(p.userId, req), GRPC_WIRE) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'UpdateExperience')
  async updateExperience(@Payload() req: UpdateExperienceRequestDto, @CurrentPrincipal() p: Principal) {
    const { experienceId, updateMask, ...fields } = req;
    return { experience: presentExperience(await this.experiences.update(p.userId, experienceId, fields, updateMask), GRPC_WIRE) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'DeleteExperience')
  async deleteExperience(@Payload() req: DeleteExperienceRequestDto, @CurrentPrincipal() p: Principal) {
    await this.experiences.delete(p.userId, req.experienceId);
    return {};
  }

  @Public()
  @RateLimited('portfolio-read')
  @GrpcMethod('PortfolioService', 'ListSkills')
  async listSkills(@Payload() req: OwnerRequestDto) {
    const categories = await this.skills.list(await this.profiles.ownerId(ownerRefOf(req)));
    return { categories: categories.map(presentSkillCategory) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'AddSkill')
  async addSkill(@Payload() req: AddSkillRequestDto, @CurrentPrincipal() p: Principal) {
    return { category: presentSkillCategory(await this.skills.add(p.userId, req.category, req.skill)) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'RemoveSkill')
  async removeSkill(@Payload() req: RemoveSkillRequestDto, @CurrentPrincipal() p: Principal) {
    return { category: presentSkillCategory(await this.skills.remove(p.userId, req.category, req.skill)) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @GrpcMethod('PortfolioService', 'DeleteSkillCategory')
  async deleteSkillCategory(@Payload() req: DeleteSkillCategoryRequestDto, @CurrentPrincipal() p: Principal) {
    await this.skills.deleteCategory(p.userId, req.category);
    return {};
  }
}
