export interface AttemptState {
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
}

/** Failed sign-ins per normalised identifier (known or not). */
export abstract class LoginAttemptsRepository {
  abstract find(identifier: string): Promise<AttemptState | null>;
  /**
   * Counts one failure atomically and locks at the threshold. While locked the
   * counter does not move; a lock that has expired, or failures older than the
   * lockout window, start the count afresh.
   */
  abstract recordFailure(identifier: string, now: Date, threshold: number, lockoutMs: number): Promise<AttemptState>;
  abstract clear(identifiers: readonly string[]): Promise<void>;
  /** Deletes up to `batch` counters not locked now and untouched since `quietSince`; returns how many. */
  abstract deleteStale(now: Date, quietSince: Date, batch: number): Promise<number>;
}
