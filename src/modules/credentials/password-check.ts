import { Injectable } from '@nestjs/common';
import type { UserRecord } from '../users/user.model';
import { PasswordHasher } from './password-hasher';

/**
 * Whether a password is the user's: what sign-in, ChangePassword and the MFA step-up
 * checks share. Callers run it inside UserLockout.judge* so every guess is counted.
 */
@Injectable()
export class PasswordCheck {
  constructor(private readonly hasher: PasswordHasher) {}

  /** A user without a password (or unknown) still costs one verify, so the answer's timing tells nothing. */
  async matches(user: UserRecord | null, password: string): Promise<boolean> {
    if (!user?.passwordHash) {
      await this.hasher.dummyVerify(password);
      return false;
    }
    return this.hasher.verify(user.passwordHash, password);
  }
}
