import { Module } from '@nestjs/common';
import { PasswordHasher } from './password-hasher';
import { LoginAttemptsRepository } from './login-attempts.repository';
import { PasswordCheck } from './password-check';
import { PasswordPolicy } from './password-policy';
import { PgLoginAttemptsRepository } from './pg-login-attempts.repository';
import { UserLockout } from './user-lockout';

/**
 * What every sign-in path shares (password, Roblox, MFA step-up, recovery, user
 * administration, the CLI): hashing, the password policy, the password check and the
 * lockout over login_attempts. A bottom-layer building block: imports no feature module.
 */
@Module({
  providers: [
    PasswordHasher,
    PasswordPolicy,
    PasswordCheck,
    UserLockout,
    { provide: LoginAttemptsRepository, useClass: PgLoginAttemptsRepository },
  ],
  exports: [PasswordHasher, PasswordPolicy, PasswordCheck, UserLockout],
})
export class CredentialsModule {}
