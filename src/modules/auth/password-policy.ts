import { DomainError, type FieldViolation } from '../../common/errors/domain-error';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** The longest password field accepted as input: any policy-conforming password fits, hashing work stays bounded. */
export const PASSWORD_INPUT_MAX = 1024;

/**
 * Every policy rule `password` breaks, one violation each. Descriptions name the rule
 * and never the password. Length counts code points, so an emoji is one character.
 */
export function passwordViolations(password: string, identifier: string | undefined, field: string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (description: string) => violations.push({ field, description });
  const length = [...password].length;

  if (length < PASSWORD_MIN_LENGTH) add(`must be at least ${PASSWORD_MIN_LENGTH} characters long`);
  if (length > PASSWORD_MAX_LENGTH) add(`must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  if (!/\p{L}/u.test(password)) add('must contain at least one letter');
  if (!/\p{Nd}/u.test(password)) add('must contain at least one digit');
  const id = identifier?.trim().toLowerCase();
  if (id && password.trim().toLowerCase() === id) add('must not be the same as the email address or phone number');
  return violations;
}

/** Throws AUTH_PASSWORD_POLICY listing every broken rule. */
export function assertPasswordPolicy(password: string, identifier: string | undefined, field = 'password'): void {
  const violations = passwordViolations(password, identifier, field);
  if (violations.length > 0) throw new DomainError('AUTH_PASSWORD_POLICY', 'Password does not meet the policy', { violations });
}
