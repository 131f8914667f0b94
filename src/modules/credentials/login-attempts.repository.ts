export interface AttemptState {
  readonly failedAttempts: number;
  readonly lockedUntil: Date | null;
}

/** Failed sign-ins per lockout key (a normalised identifier, known or not, or a user id). */
export abstract class LoginAttemptsRepository {
  /** The states of those of `identifiers` that have a counter, in one read. */
  abstract findAll(identifiers: readonly string[]): Promise<AttemptState[]>;
  /**
   * Reserves one attempt under every key, in one statement that locks the keys' rows in
   * one sorted order (no deadlock between reservations sharing keys): unless a key is
   * locked, each counter moves as for a failure (counted before the guess is
   * judged) and locks at the threshold. The states afterwards, one per key, or
   * null when a key was locked (the attempt must not be judged; if that lock
   * landed while the statement ran, the other keys may still have counted it).
   * A lock that has expired, or failures older than the lockout window, start
   * the count afresh.
   */
  abstract reserve(identifiers: readonly string[], now: Date, threshold: number, lockoutMs: number): Promise<AttemptState[] | null>;
  /** Takes one reserved attempt back from every key, lifting a lock the count no longer reaches. */
  abstract release(identifiers: readonly string[], threshold: number): Promise<void>;
  abstract clear(identifiers: readonly string[]): Promise<void>;
  /** Deletes up to `batch` counters not locked now and untouched since `quietSince`; returns how many. */
  abstract deleteStale(now: Date, quietSince: Date, batch: number): Promise<number>;
}
