import type { LiveSession } from '../../common/auth/auth-ports';
import type { UserRecord } from '../users/user.model';
import type { NewSession, Rotation, SessionOwner, SessionRecord } from './session.model';

export abstract class SessionsRepository {
  /** One session per (user, device): a new sign-in on a device replaces its session (new id, new token). */
  abstract upsertForDevice(session: NewSession): Promise<SessionRecord>;
  /**
   * Rotates the refresh token in one statement: the presented token must be the
   * current one, or the previous one rotated within the grace window, and the
   * session inside its absolute lifetime. The token it replaces is retired.
   */
  abstract rotate(rotation: Rotation): Promise<{ session: SessionRecord; owner: SessionOwner } | null>;
  /**
   * A retired token (of any age) presented after its grace window: the session is
   * treated as stolen and deleted. `retiredUpTo` is the end of that window.
   */
  abstract revokeByRetiredToken(presentedHash: Buffer, retiredUpTo: Date): Promise<number>;
  /**
   * The owner of a live (unexpired) session: one statement for ValidateCredentials' hot
   * path, the concurrent look-ups of one event-loop turn batched into one.
   */
  abstract findLiveOwner(sessionId: string, userId: string, now: Date): Promise<UserRecord | null>;
  abstract findLive(sessionId: string, userId: string, now: Date): Promise<(LiveSession & { status: string }) | null>;
  /** When the live session last passed a primary sign-in (set by upsertForDevice, never by rotate); null when it is gone. */
  abstract findAuthenticatedAt(sessionId: string, userId: string, now: Date): Promise<Date | null>;
  abstract listForUser(userId: string, now: Date): Promise<SessionRecord[]>;
  abstract deleteById(userId: string, sessionId: string): Promise<number>;
  abstract deleteByDevice(userId: string, deviceId: string): Promise<number>;
  abstract deleteAllExcept(userId: string, keepSessionId: string | null): Promise<number>;
  /** Deletes at most `batch` expired sessions; returns how many. */
  abstract deleteExpired(now: Date, batch: number): Promise<number>;
}
