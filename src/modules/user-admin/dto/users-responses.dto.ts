import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { USER_ROLE, USER_STATUS } from '../../../common/grpc/enums';

/** Response shapes for the OpenAPI document (proto3 JSON of users.v1 messages). */
export class UserInfoView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty() phone!: string;
  @ApiProperty({ enum: USER_ROLE, description: 'USER_ROLE_UNSPECIFIED for a custom database role' }) role!: string;
  @ApiProperty({ enum: USER_STATUS }) status!: string;
  @ApiProperty() avatarUrl!: string;
  @ApiProperty() locale!: string;
  @ApiProperty() timezone!: string;
  @ApiPropertyOptional({ description: 'Linked Roblox user id (int64 as a string); absent when none is linked' }) robloxUserId?: string;
  @ApiPropertyOptional({ description: 'Username of the linked Roblox user; absent when none is linked' }) robloxUsername?: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty() phone!: string;
  @ApiProperty({ enum: USER_ROLE, description: 'USER_ROLE_UNSPECIFIED for a custom database role' }) role!: string;
  @ApiProperty({ enum: USER_STATUS }) status!: string;
  @ApiProperty() emailVerified!: boolean;
  @ApiProperty() phoneVerified!: boolean;
  @ApiProperty() mfaEnabled!: boolean;
  @ApiProperty() hasPassword!: boolean;
  @ApiProperty() avatarUrl!: string;
  @ApiProperty() locale!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ description: 'Linked Roblox user id (int64 as a string); absent when none is linked' }) robloxUserId?: string;
  @ApiPropertyOptional({ description: 'Username of the linked Roblox user; absent when none is linked' }) robloxUsername?: string;
}

export class AvatarUploadUrlView {
  @ApiProperty({ description: 'Presigned PUT; send exactly the announced Content-Type and Content-Length' }) uploadUrl!: string;
  @ApiProperty({ example: '300s' }) expiresIn!: string;
}
