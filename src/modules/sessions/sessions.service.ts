import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { ExpirySweeper } from '../../common/maintenance/expiry-sweeper';
import type { LiveSession } from '../../common/auth/auth-ports';
import { LiveSessionLookup } from '../../common/auth/auth-ports';
import { Clock } from '../../common/clock';
import { hashOpaqueToken, newOpaqueToken } from '../../common/crypto/opaque-token';
import { DomainError } from '../../common/errors/domain-error';
import { GeoIpService } from '../../common/network/geoip.service';
import { AUTH_REFRESH_TOKEN_REUSE } from '../../common/observability/operator-metrics';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import type { DeviceInfo, SessionOwner, SessionRecord } from './session.model';
import type { UserRecord } from '../users/user.model';
import { SessionsRepository } from './sessions.repository';

const DAY_MS = 86_400_000;

export interface IssuedSession {
  readonly session: SessionRecord;
  /** Shown to the client once; only its hash is stored. */
  readonly refreshToken: string;
}

/**
 * Sessions and refresh tokens. Refresh tokens are 256-bit random strings stored
 * as SHA-256; a refresh rotates the token in one statement. The token rotated
 * last stays valid for REFRESH_REUSE_GRACE_SECONDS (two tabs refreshing at once).
 * Every replaced token is kept (as its hash) while the session lives: presented
 * after its grace window, however old, it is taken as stolen and ends the session.
 * No refresh extends a session past created_at + SESSION_MAX_LIFETIME_DAYS.
 */
@Injectable()
export class SessionsService extends LiveSessionLookup {
  private readonly logger = new Logger('Sessions');

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    private readonly geoip: GeoIpService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    sweeper: ExpirySweeper,
    // Optional: the CLI builds its modules without the observability module.
    @Optional() @InjectMetric(AUTH_REFRESH_TOKEN_REUSE) private readonly reuseDetected?: Counter,
  ) {
    super();
    sweeper.register({ name: 'sessions', sweep: (now, batch) => this.sessions.deleteExpired(now, batch) });
  }

  /** Starts (or replaces, for the same device) a session and issues its refresh token. */
  async start(userId: string, device: DeviceInfo, ip: string): Promise<IssuedSession> {
    const now = this.clock.now();
    const { token, hash } = newOpaqueToken();
    const session = await this.sessions.upsertForDevice({
      userId, device, refreshTokenHash: hash, ip, ipCountry: this.geoip.countryOf(ip), now, expiresAt: this.expiryFrom(now),
    });
    return { session, refreshToken: token };
  }

  /** Rotates a refresh token; any failure is the same UNAUTHENTICATED answer. */
  async refresh(refreshToken: string, ip: string): Promise<IssuedSession & { owner: SessionOwner }> {
    const now = this.clock.now();
    const presentedHash = hashOpaqueToken(refreshToken);
    const { token, hash } = newOpaqueToken();
    const graceSince = new Date(now.getTime() - this.config.sessions.refreshReuseGraceSeconds * 1000);
    const rotated = await this.sessions.rotate({
      presentedHash,
      newHash: hash,
      now,
      graceSince,
      expiresAt: new Date(now.getTime() + this.config.sessions.refreshTokenTtlDays * DAY_MS),
      maxLifetimeSeconds: this.config.sessions.maxLifetimeDays * 86_400,
      ip,
      ipCountry: this.geoip.countryOf(ip),
    });
    if (!rotated) {
      // A token retired inside its grace window is only refused: two tabs may still
      // hold one. Past the window it is taken as a copy of the chain (stolen).
      const revoked = await this.sessions.revokeByRetiredToken(presentedHash, graceSince);
      if (revoked > 0) {
        this.logger.warn('A retired refresh token was reused after its grace window: session revoked');
        this.reuseDetected?.inc();
      }
      throw new DomainError('AUTH_REFRESH_TOKEN_INVALID', 'Invalid or expired refresh token');
    }
    if (rotated.owner.status !== 'active') {
      await this.sessions.deleteById(rotated.session.userId, rotated.session.id);
      throw new DomainError('AUTH_REFRESH_TOKEN_INVALID', 'Invalid or expired refresh token');
    }
    return { session: rotated.session, refreshToken: token, owner: rotated.owner };
  }

  /**
   * The owner of a live session, whatever the owner's status (ValidateCredentials judges
   * it): the session and the user snapshot in one statement, so the RPC needs no other look-up.
   */
  findLiveOwner(sessionId: string, userId: string): Promise<UserRecord | null> {
    return this.sessions.findLiveOwner(sessionId, userId, this.clock.now());
  }

  /** LiveSessionLookup for the guard: the session exists, is unexpired, and its user is active. */
  async find(sessionId: string, userId: string): Promise<LiveSession | null> {
    const live = await this.sessions.findLive(sessionId, userId, this.clock.now());
    if (!live) return null;
    if (live.status !== 'active') throw new DomainError('AUTH_ACCOUNT_INACTIVE', 'The account is not active');
    return { role: live.role, permissions: live.permissions };
  }

  /**
   * When the session last passed a primary authentication: the sign-in (password,
   * VerifyMfa, sign-up, ConfirmVerification, Roblox) that started or replaced it.
   * Refreshes never move it. Null when the session is gone or expired.
   */
  async authenticatedAt(userId: string, sessionId: string): Promise<Date | null> {
    return this.sessions.findAuthenticatedAt(sessionId, userId, this.clock.now());
  }

  async list(userId: string): Promise<SessionRecord[]> {
    return this.sessions.listForUser(userId, this.clock.now());
  }

  /** Whether a refresh token belongs to the given session (marks `is_current`). */
  isTokenOf(session: SessionRecord, refreshToken: string | undefined): boolean {
    return !!refreshToken && hashOpaqueToken(refreshToken).equals(session.refreshTokenHash);
  }

  async end(userId: string, sessionId: string): Promise<void> {
    await this.sessions.deleteById(userId, sessionId);
  }

  async revokeDevice(userId: string, deviceId: string): Promise<void> {
    if ((await this.sessions.deleteByDevice(userId, deviceId)) === 0) {
      throw new DomainError('SESSION_NOT_FOUND', 'No session for this device');
    }
  }

  /** Ends every session of the user but `keepSessionId` (null: all of them). */
  async revokeAllExcept(userId: string, keepSessionId: string | null): Promise<number> {
    return this.sessions.deleteAllExcept(userId, keepSessionId);
  }

  /** A new session's expiry: the refresh TTL, within the absolute lifetime. */
  private expiryFrom(now: Date): Date {
    const { refreshTokenTtlDays, maxLifetimeDays } = this.config.sessions;
    return new Date(now.getTime() + Math.min(refreshTokenTtlDays, maxLifetimeDays) * DAY_MS);
  }
}
