import { existsSync } from 'node:fs';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DomainError, type FieldViolation } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { BREACHED_PASSWORDS_FILE, bundledBreachedPasswords } from './breached-passwords';

/** The default of PASSWORD_MIN_LENGTH, and its lowest value (the breached list holds nothing shorter). */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** The longest password field accepted as input: any policy-conforming password fits, hashing work stays bounded. */
export const PASSWORD_INPUT_MAX = 1024;
/** The rules in a sentence, for API descriptions. */
export const PASSWORD_RULES = `At least ${PASSWORD_MIN_LENGTH} characters (more where PASSWORD_MIN_LENGTH says so), at most ${PASSWORD_MAX_LENGTH}; commonly used passwords are refused`;

export interface PasswordRules {
  /** PASSWORD_MIN_LENGTH: code points, a run of white space counting as one. */
  readonly minLength: number;
}

const WHITE_SPACE_RUNS = /\s{2,}/gu;

/**
 * Every policy rule `password` breaks, one violation each. Descriptions name the rule
 * and never the password. Lengths count code points, so an emoji is one character.
 * No composition rule (upper case, digits, symbols): ASVS V2.1.9 and NIST SP 800-63B
 * ask for length and a breached-password check instead, which is what this is.
 */
export function passwordViolations(password: string, identifier: string | undefined, field: string, rules: PasswordRules): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const add = (description: string) => violations.push({ field, description });
  const length = [...password].length;

  // ASVS V2.1.1 counts the minimum "after multiple spaces are combined": padding is not length.
  if ([...password.replace(WHITE_SPACE_RUNS, ' ')].length < rules.minLength) add(`must be at least ${rules.minLength} characters long`);
  if (length > PASSWORD_MAX_LENGTH) add(`must be at most ${PASSWORD_MAX_LENGTH} characters long`);
  else if (bundledBreachedPasswords().has(password)) {
    add('must not be a commonly used password (it is on a list of breached passwords)');
  }
  const id = identifier?.trim().toLowerCase();
  if (id && password.trim().toLowerCase() === id) add('must not be the same as the email address or phone number');
  return violations;
}

/**
 * The password policy of every way a password is set: SignUp, ChangePassword,
 * RecoveryConfirm, SetPassword and CreateUser (admin), SignUpWithRoblox, the
 * first administrator (CLI and BOOTSTRAP_ADMIN_PASSWORD).
 */
@Injectable()
export class PasswordPolicy implements OnModuleInit {
  private readonly rules: PasswordRules;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.rules = { minLength: config.passwords.minLength };
  }

  /** The list is read on first use; a deployment without it (data/ not copied) stops at start instead of failing every password later. */
  onModuleInit(): void {
    if (!existsSync(BREACHED_PASSWORDS_FILE)) throw new Error(`The breached-password list ${BREACHED_PASSWORDS_FILE} is missing: ship the data/ directory`);
  }

  violations(password: string, identifier: string | undefined, field = 'password'): FieldViolation[] {
    return passwordViolations(password, identifier, field, this.rules);
  }

  /** Throws AUTH_PASSWORD_POLICY (INVALID_ARGUMENT) listing every broken rule on `field`. */
  assert(password: string, identifier: string | undefined, field = 'password'): void {
    const violations = this.violations(password, identifier, field);
    if (violations.length > 0) throw new DomainError('AUTH_PASSWORD_POLICY', 'Password does not meet the policy', { violations });
  }
}
