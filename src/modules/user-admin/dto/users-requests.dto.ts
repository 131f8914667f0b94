import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { USER_ROLE, USER_STATUS, type UserRole, type UserStatus } from '../../../common/grpc/enums';
import { LocaleField, OptionalString, ProtoEnum, RequiredString, TimeZoneField, UuidField } from '../../../common/validation/fields';
import { PASSWORD_INPUT_MAX, PASSWORD_RULES } from '../../credentials/password-policy';

const MAX_FILTER_VALUES = 1000;
const INT32_MAX = 2_147_483_647;

/** `repeated core.v1.UUID`: `[{value}]` on gRPC, strings in JSON; normalised to strings. */
function UuidList(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'uuid', isArray: true }),
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value)
        ? value.map((v: unknown) => (v !== null && typeof v === 'object' && 'value' in v ? (v as { value: unknown }).value : v))
        : value,
    ),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_FILTER_VALUES),
    IsUUID('all', { each: true, message: '$property must hold UUIDs' }),
  );
}

/** A repeated proto enum: names, or (JSON only) numbers, normalised to names. */
function ProtoEnumList(names: readonly string[]): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ enum: names, isArray: true }),
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value)
        ? value.map((v: unknown) => (typeof v === 'number' && Number.isInteger(v) && names[v] ? names[v] : typeof v === 'string' && /^\d+$/.test(v) && names[Number(v)] ? names[Number(v)] : v))
        : value,
    ),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(names.length * 4),
    IsIn(names, { each: true, message: `$property must hold values of ${names.join(', ')}` }),
  );
}

/** google.protobuf.FieldMask: `{paths: [...]}` on gRPC, `"name,email"` in JSON; normalised to the list of paths. */
export function FieldMaskField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: 'name,email', description: 'FieldMask: comma-separated field names (AIP-134)' }),
    Transform(({ value }: { value: unknown }) => {
      if (value === null || value === undefined) return undefined;
      if (typeof value === 'string') return value.split(',').map((p) => p.trim()).filter(Boolean);
      if (typeof value === 'object' && !Array.isArray(value) && 'paths' in value) return (value as { paths: unknown }).paths;
      return value;
    }),
    IsOptional(),
    IsArray({ message: '$property must be a FieldMask' }),
    ArrayMaxSize(16),
    IsString({ each: true }),
    MaxLength(64, { each: true }),
  );
}

/** uint64 content size: a string on gRPC (longs: String) and in proto3 JSON, or a JSON number. */
function Uint64Field(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: '204800', description: 'uint64 (a JSON string or number)' }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value)),
    IsInt({ message: '$property must be a non-negative integer' }),
    Min(0),
  );
}

/** Filter and paging of ListUsers / ListUsersInfo (REST: query parameters, see the controller). */
export class ListUsersRequestDto {
  @UuidField({ description: 'Only this user' })
  userId?: string;

  @UuidList()
  userIds?: string[];

  @ProtoEnumList(USER_STATUS)
  statuses?: UserStatus[];

  @ProtoEnumList(USER_ROLE)
  roles?: UserRole[];

  @OptionalString(256, 'Case-insensitive substring of name, email or phone')
  query?: string;

  @ApiPropertyOptional({ type: Number, description: 'Most items to stream; 0: all' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d{1,10}$/.test(value) ? Number(value) : value))
  @IsOptional()
  @IsInt({ message: '$property must be an integer' })
  @Min(0)
  @Max(INT32_MAX)
  pageSize?: number;

  @OptionalString(128, 'Resume after the user this token names: base64url of the last received id')
  pageToken?: string;
}

export class CreateUserRequestDto {
  @OptionalString(100)
  name?: string;

  @OptionalString(320, 'Email address (email and/or phone is required)')
  email?: string;

  @OptionalString(32, 'E.164 phone number')
  phone?: string;

  @OptionalString(PASSWORD_INPUT_MAX, 'Optional; without it the user gets a set-password link by mail')
  password?: string;

  @ProtoEnum(USER_ROLE, { description: 'UNSPECIFIED: USER_ROLE_USER' })
  role?: UserRole;

  @LocaleField()
  locale?: string;

  @TimeZoneField()
  timezone?: string;
}

/** The path parameter of the /v1/users/{userId}/... routes. */
export class UserIdParamDto {
  @UuidField({ required: true })
  userId!: string;
}

/** UpdateUser's body on REST (the user id comes from the path). */
export class UpdateUserBodyDto {
  @FieldMaskField()
  updateMask?: string[];

  @OptionalString(100)
  name?: string;

  @OptionalString(320)
  email?: string;

  @OptionalString(32)
  phone?: string;

  @ProtoEnum(USER_ROLE)
  role?: UserRole;

  @ProtoEnum(USER_STATUS)
  status?: UserStatus;

  @LocaleField()
  locale?: string;

  @TimeZoneField()
  timezone?: string;
}

export class UpdateUserRequestDto extends UpdateUserBodyDto {
  @UuidField({ required: true })
  userId!: string;
}

export class SetPasswordBodyDto {
  @RequiredString(PASSWORD_INPUT_MAX, PASSWORD_RULES)
  password!: string;
}

export class SetPasswordRequestDto extends SetPasswordBodyDto {
  @UuidField({ required: true })
  userId!: string;
}

export class AvatarUploadUrlBodyDto {
  @RequiredString(100, 'image/jpeg, image/png or image/webp')
  contentType!: string;

  @Uint64Field()
  contentSize!: number;
}

export class AvatarUploadUrlRequestDto extends AvatarUploadUrlBodyDto {
  @UuidField({ required: true })
  userId!: string;
}

/** ConfirmAvatarUpload and DeleteAvatar on gRPC. */
export class UserIdRequestDto extends UserIdParamDto {}
