import { LocaleField, TimeZoneField, UuidField } from '../../../common/validation/fields';
import { RobloxUserIdField } from '../../roblox-verification/dto/roblox-user-id.field';
import { FieldMaskField } from '../../user-admin/dto/users-requests.dto';
import {
  CountryCodeField, DateField, EmailField, HANDLE_PATTERNS, HANDLE_RULES, HttpsUrlField, PatternField, TextField, THEME_PATTERN,
} from './portfolio-fields';

export const SKILL_NAME_MAX = 64;

/** The `owner` oneof of GetProfile, ListExperiences and ListSkills (gRPC; REST takes it from the path). */
export class OwnerRequestDto {
  @UuidField({ description: 'The account id' })
  userId?: string;

  @RobloxUserIdField()
  robloxUserId?: string;
}

/** REST path /v1/portfolio/profiles/{userId}/... */
export class UserIdPathDto {
  @UuidField({ required: true })
  userId!: string;
}

/** REST path /v1/portfolio/roblox/{robloxUserId}/... */
export class RobloxUserIdPathDto {
  @RobloxUserIdField({ required: true })
  robloxUserId!: string;
}

export class UpdateProfileRequestDto {
  @FieldMaskField()
  updateMask?: string[];

  @TextField(100)
  displayName?: string;

  @TimeZoneField()
  timezone?: string;

  @PatternField(THEME_PATTERN, 32, 'a theme name: a lowercase letter, then lowercase letters, digits or hyphens', 'dark')
  theme?: string;

  @LocaleField()
  language?: string;

  @CountryCodeField()
  countryCode?: string;

  @TextField(160)
  tagline?: string;

  @TextField(4000, { multiline: true })
  biography?: string;

  @HttpsUrlField(2048)
  website?: string;

  @EmailField()
  publicEmail?: string;

  @PatternField(HANDLE_PATTERNS.twitter, 16, HANDLE_RULES.twitter, 'roblox')
  twitter?: string;

  @PatternField(HANDLE_PATTERNS.instagram, 31, HANDLE_RULES.instagram, 'roblox')
  instagram?: string;

  @PatternField(HANDLE_PATTERNS.facebook, 50, HANDLE_RULES.facebook, 'roblox')
  facebook?: string;

  @PatternField(HANDLE_PATTERNS.youtube, 31, HANDLE_RULES.youtube, 'roblox')
  youtube?: string;

  @PatternField(HANDLE_PATTERNS.github, 39, HANDLE_RULES.github, 'roblox')
  github?: string;
}

export class CreateExperienceRequestDto {
  @TextField(100, { required: true, description: 'Unique per account, ignoring case' })
  title!: string;

  @TextField(100)
  company?: string;

  @DateField({ required: true, description: 'First day (YYYY-MM-DD)' })
  startDate!: string;

  @DateField({ description: 'Last day (YYYY-MM-DD); empty or absent for a current role' })
  endDate?: string;

  @TextField(4000, { multiline: true })
  description?: string;
}

/** UpdateExperience's body on REST (the id comes from the path). */
export class UpdateExperienceBodyDto {
  @FieldMaskField()
  updateMask?: string[];

  @TextField(100)
  title?: string;

  @TextField(100)
  company?: string;

  @DateField()
  startDate?: string;

  @DateField({ description: 'Empty for a current role' })
  endDate?: string;

  @TextField(4000, { multiline: true })
  description?: string;
}

export class ExperienceIdPathDto {
  @UuidField({ required: true })
  experienceId!: string;
}

export class UpdateExperienceRequestDto extends UpdateExperienceBodyDto {
  @UuidField({ required: true })
  experienceId!: string;
}

export class DeleteExperienceRequestDto extends ExperienceIdPathDto {}

export class AddSkillRequestDto {
  @TextField(SKILL_NAME_MAX, { required: true, description: 'Category name; created when needed' })
  category!: string;

  @TextField(SKILL_NAME_MAX, { required: true })
  skill!: string;
}

export class RemoveSkillRequestDto extends AddSkillRequestDto {}

export class DeleteSkillCategoryRequestDto {
  @TextField(SKILL_NAME_MAX, { required: true })
  category!: string;
}
