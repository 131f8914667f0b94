import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { VERIFICATION_ID_MAX_LENGTH, VERIFICATION_ID_PATTERN } from '../verification-id';

/**
 * The `verificationId` StartVerification answered. Optional in the schema (password
 * sign-in needs none; gRPC sends '' for an absent string), but a profile-code proof
 * without it, or with any other id, fails with ROBLOX_CODE_NOT_FOUND like a missing code.
 * Only its shape is validated here; whether it matches is the proof's business.
 */
export function VerificationIdField(use: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      maxLength: VERIFICATION_ID_MAX_LENGTH,
      pattern: VERIFICATION_ID_PATTERN.source,
      example: 'bXlfdmVyaWZpY2F0aW9uX2lkX2lzX3JhbmRvbV8zMmI',
      description:
        `The verificationId answered by StartVerification: ${use} counts only for the caller that started it. ` +
        'Missing or not the one of the live code: FAILED_PRECONDITION ROBLOX_CODE_NOT_FOUND, exactly as when no code is live.',
    }),
    IsOptional(),
    IsString(),
    MaxLength(VERIFICATION_ID_MAX_LENGTH),
    Matches(VERIFICATION_ID_PATTERN, { message: '$property must be the verificationId answered by StartVerification (base64url)' }),
  );
}
