/** A lock in force on a sign-in key (AuthResponse.lockout_info, the AUTH_LOCKED error's retry-after). */
export interface LockoutDetails {
  readonly failedAttempts: number;
  readonly maxAttempts: number;
  readonly lockedUntil: Date;
  readonly retryAfterSeconds: number;
}
