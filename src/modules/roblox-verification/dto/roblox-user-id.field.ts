import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsOptional, ValidateBy } from 'class-validator';

const INT64_MAX = 9_223_372_036_854_775_807n;

/** A Roblox user id: a positive int64 in canonical decimal form (no sign, no leading zeros). */
export function isRobloxUserId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= INT64_MAX;
}

/**
 * An int64 Roblox user id: a string on gRPC (longs: String) and in proto3 JSON, or a
 * JSON number; normalised to the decimal string. gRPC fills an absent field with "0",
 * which is no Roblox user id, so "required" refuses it.
 */
export function RobloxUserIdField(options: { required?: boolean } = {}): PropertyDecorator {
  const description = 'Roblox user id (int64: a JSON string, or a number up to 2^53)';
  return applyDecorators(
    options.required
      ? ApiProperty({ type: String, pattern: '^[1-9][0-9]{0,18}$', example: '1234567890', description })
      : ApiPropertyOptional({ type: String, pattern: '^[1-9][0-9]{0,18}$', example: '1234567890', description }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value)),
    options.required ? IsDefined({ message: '$property is required' }) : IsOptional(),
    ValidateBy({
      name: 'robloxUserId',
      validator: {
        validate: (value: unknown) => isRobloxUserId(value),
        defaultMessage: () => '$property must be a positive Roblox user id',
      },
    }),
  );
}
