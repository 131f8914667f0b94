import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Response shapes for the OpenAPI document (proto3 JSON of portfolio.v1 messages). */
export class ProfileView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiPropertyOptional({ description: 'Linked Roblox user id (int64 as a string); absent when none is linked' }) robloxUserId?: string;
  @ApiPropertyOptional({ description: 'Linked Roblox username; absent when none is linked' }) robloxUsername?: string;
  @ApiProperty() displayName!: string;
  @ApiProperty() avatarUrl!: string;
  @ApiProperty({ example: 'Europe/Berlin' }) timezone!: string;
  @ApiProperty() theme!: string;
  @ApiProperty({ example: 'en' }) language!: string;
  @ApiProperty({ example: 'DE' }) countryCode!: string;
  @ApiProperty() tagline!: string;
  @ApiProperty() biography!: string;
  @ApiProperty() website!: string;
  @ApiProperty() publicEmail!: string;
  @ApiProperty() twitter!: string;
  @ApiProperty() instagram!: string;
  @ApiProperty() facebook!: string;
  @ApiProperty() youtube!: string;
  @ApiProperty() github!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ProfileResponseView {
  @ApiProperty({ type: ProfileView }) profile!: ProfileView;
}

export class ExperienceView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() company!: string;
  @ApiProperty({ format: 'date', example: '2023-09-01' }) startDate!: string;
  @ApiProperty({ description: 'YYYY-MM-DD, or empty for a current role', example: '' }) endDate!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'True when endDate is empty' }) current!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ExperienceResponseView {
  @ApiProperty({ type: ExperienceView }) experience!: ExperienceView;
}

export class ListExperiencesResponseView {
  @ApiProperty({ type: ExperienceView, isArray: true, description: 'Newest first' }) experiences!: ExperienceView[];
}

export class SkillCategoryView {
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, isArray: true, description: 'In the order added' }) skills!: string[];
}

export class SkillCategoryResponseView {
  @ApiProperty({ type: SkillCategoryView }) category!: SkillCategoryView;
}

export class ListSkillsResponseView {
  @ApiProperty({ type: SkillCategoryView, isArray: true }) categories!: SkillCategoryView[];
}
