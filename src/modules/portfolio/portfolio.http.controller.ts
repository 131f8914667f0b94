import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { RequirePermissions } from '../../common/auth/auth.decorators';
import { PROFILE_WRITE } from '../user-admin/user-access';
import { ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { Public } from '../../common/auth/public.decorator';
import { JSON_WIRE } from '../../common/grpc/wire';
import { RateLimited } from '../../common/rate-limit/rate-limited.decorator';
import {
  AddSkillRequestDto, CreateExperienceRequestDto, DeleteSkillCategoryRequestDto, ExperienceIdPathDto, RemoveSkillRequestDto,
  RobloxUserIdPathDto, UpdateExperienceBodyDto, UpdateProfileRequestDto, UserIdPathDto,
} from './dto/portfolio-requests.dto';
import {
  ExperienceResponseView, ListExperiencesResponseView, ListSkillsResponseView, ProfileResponseView, SkillCategoryResponseView,
} from './dto/portfolio-responses.dto';
import { PortfolioExperiencesService } from './portfolio-experiences.service';
import { PortfolioProfileService } from './portfolio-profile.service';
import { PortfolioSkillsService } from './portfolio-skills.service';
import type { PortfolioOwnerRef } from './portfolio.model';
import { presentExperience, presentProfile, presentSkillCategory } from './portfolio.presenter';

/** portfolio.v1.PortfolioService over REST: translation only. Public reads by account id or Roblox user id; writes need `profile:write`. */
@ApiTags('portfolio')
@Controller('v1/portfolio')
export class PortfolioHttpController {
  constructor(
    private readonly profiles: PortfolioProfileService,
    private readonly experiences: PortfolioExperiencesService,
    private readonly skills: PortfolioSkillsService,
  ) {}

  @Public()
  @RateLimited('portfolio-read')
  @Get('profiles/:userId')
  @ApiOperation({ summary: 'GetProfile by account id (public; NOT_FOUND for suspended or deleted accounts)' })
  @ApiOkResponse({ type: ProfileResponseView })
  async getProfile(@Param() path: UserIdPathDto) {
    return this.profile({ userId: path.userId });
  }

  @Public()
  @RateLimited('portfolio-read')
  @Get('roblox/:robloxUserId/profile')
  @ApiOperation({ summary: 'GetProfile by linked Roblox user id (public)' })
  @ApiOkResponse({ type: ProfileResponseView })
  async getProfileByRoblox(@Param() path: RobloxUserIdPathDto) {
    return this.profile({ robloxUserId: path.robloxUserId });
  }

  @RequirePermissions(PROFILE_WRITE)
  @Patch('profile')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'UpdateProfile: the signed-in user\'s profile (updateMask: comma-separated field names)' })
  @ApiOkResponse({ type: ProfileResponseView })
  async updateProfile(@Body() body: UpdateProfileRequestDto, @CurrentPrincipal() p: Principal) {
    const { updateMask, ...fields } = body;
    return { profile: presentProfile(await this.profiles.update(p.userId, fields, updateMask), JSON_WIRE) };
  }

  @Public()
  @RateLimited('portfolio-read')
  @Get('profiles/:userId/experiences')
  @ApiOperation({ summary: 'ListExperiences by account id (public), newest first' })
  @ApiOkResponse({ type: ListExperiencesResponseView })
  async listExperiences(@Param() path: UserIdPathDto) {
    return this.experienceList({ userId: path.userId });
  }

  @Public()
  @RateLimited('portfolio-read')
  @Get('roblox/:robloxUserId/experiences')
  @ApiOperation({ summary: 'ListExperiences by linked Roblox user id (public), newest first' })
  @ApiOkResponse({ type: ListExperiencesResponseView })
  async listExperiencesByRoblox(@Param() path: RobloxUserIdPathDto) {
    return this.experienceList({ robloxUserId: path.robloxUserId });
  }

  @RequirePermissions(PROFILE_WRITE)
  @Post('experiences')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'CreateExperience: titles are unique per account (409 otherwise)' })
  @ApiOkResponse({ type: ExperienceResponseView })
  async createExperience(@Body() body: CreateExperienceRequestDto, @CurrentPrincipal() p: Principal) {
    return { experience: presentExperience(await this.experiences.create(p.userId, body), JSON_WIRE) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @Patch('experiences/:experienceId')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'UpdateExperience: one of the signed-in user\'s experiences' })
  @ApiBody({ type: UpdateExperienceBodyDto })
  @ApiOkResponse({ type: ExperienceResponseView })
  async updateExperience(@Param() path: ExperienceIdPathDto, @Body() body: UpdateExperienceBodyDto, @CurrentPrincipal() p: Principal) {
    const { updateMask, ...fields } = body;
    return { experience: presentExperience(await this.experiences.update(p.userId, path.experienceId, fields, updateMask), JSON_WIRE) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @Delete('experiences/:experienceId')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'DeleteExperience: one of the signed-in user\'s experiences' })
  @ApiNoContentResponse()
  async deleteExperience(@Param() path: ExperienceIdPathDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.experiences.delete(p.userId, path.experienceId);
  }

  @Public()
  @RateLimited('portfolio-read')
  @Get('profiles/:userId/skills')
  @ApiOperation({ summary: 'ListSkills by account id (public)' })
  @ApiOkResponse({ type: ListSkillsResponseView })
  async listSkills(@Param() path: UserIdPathDto) {
    return this.skillList({ userId: path.userId });
  }

  @Public()
  @RateLimited('portfolio-read')
  @Get('roblox/:robloxUserId/skills')
  @ApiOperation({ summary: 'ListSkills by linked Roblox user id (public)' })
  @ApiOkResponse({ type: ListSkillsResponseView })
  async listSkillsByRoblox(@Param() path: RobloxUserIdPathDto) {
    return this.skillList({ robloxUserId: path.robloxUserId });
  }

  @RequirePermissions(PROFILE_WRITE)
  @Post('skills')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'AddSkill: append a skill, creating the category when needed' })
  @ApiOkResponse({ type: SkillCategoryResponseView })
  async addSkill(@Body() body: AddSkillRequestDto, @CurrentPrincipal() p: Principal) {
    return { category: presentSkillCategory(await this.skills.add(p.userId, body.category, body.skill)) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @Delete('skills/:category/:skill')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'RemoveSkill (percent-encode names in the path)' })
  @ApiOkResponse({ type: SkillCategoryResponseView })
  async removeSkill(@Param() path: RemoveSkillRequestDto, @CurrentPrincipal() p: Principal) {
    return { category: presentSkillCategory(await this.skills.remove(p.userId, path.category, path.skill)) };
  }

  @RequirePermissions(PROFILE_WRITE)
  @Delete('skills/:category')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'DeleteSkillCategory: the category and its skills (percent-encode the name)' })
  @ApiNoContentResponse()
  async deleteSkillCategory(@Param() path: DeleteSkillCategoryRequestDto, @CurrentPrincipal() p: Principal): Promise<void> {
    await this.skills.deleteCategory(p.userId, path.category);
  }

  private async profile(owner: PortfolioOwnerRef) {
    return { profile: presentProfile(await this.profiles.get(owner), JSON_WIRE) };
  }

  private async experienceList(owner: PortfolioOwnerRef) {
    const items = await this.experiences.list(await this.profiles.ownerId(owner));
    return { experiences: items.map((e) => presentExperience(e, JSON_WIRE)) };
  }

  private async skillList(owner: PortfolioOwnerRef) {
    const categories = await this.skills.list(await this.profiles.ownerId(owner));
    return { categories: categories.map(presentSkillCategory) };
  }
}
