import { Injectable } from '@nestjs/common';
import { AccessTokenVerifier } from '../../common/auth/auth-ports';
import type { Principal } from '../../common/auth/principal';
import { SessionsService } from '../sessions/sessions.service';
import type { DeviceInfo, SessionRecord } from '../sessions/session.model';
import type { UserRecord } from '../users/user.model';
import type { IssuedTokens } from './auth-outcome.model';
import { TokenService } from './jwt/token.service';

interface TokenSubject {
  readonly id: string;
  readonly role: string;
  readonly email: string | null;
  readonly displayName: string;
}

/** Pairs sessions (refresh tokens) with access tokens; also the guard's token verifier. */
@Injectable()
export class TokenIssuer extends AccessTokenVerifier {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
  ) {
    super();
  }

  /** Starts the device's session and signs its first access token. */
  async issue(user: UserRecord, device: DeviceInfo, ip: string): Promise<IssuedTokens> {
    const { session, refreshToken } = await this.sessions.start(user.id, device, ip);
    return { ...this.accessFor(user, session), refreshToken };
  }

  /** Rotates a refresh token and signs a fresh access token for its session. */
  async refresh(refreshToken: string, ip: string): Promise<IssuedTokens> {
    const r = await this.sessions.refresh(refreshToken, ip);
    return { ...this.accessFor({ id: r.session.userId, ...r.owner }, r.session), refreshToken: r.refreshToken };
  }

  verify(token: string): Principal {
    const c = this.tokens.verifyAccessToken(token);
    return {
      userId: c.sub,
      sessionId: c.sid,
      role: c.role,
      deviceId: c.device_id,
      installationId: c.installation_id,
      email: c.email,
      name: c.name,
      tokenIssuedAt: new Date(c.iat * 1000),
      tokenExpiresAt: new Date(c.exp * 1000),
    };
  }

  private accessFor(user: TokenSubject, session: SessionRecord): { accessToken: string; expiresAt: Date } {
    const signed = this.tokens.signAccessToken({
      sub: user.id,
      sid: session.id,
      role: user.role,
      email: user.email ?? undefined,
      name: user.displayName || undefined,
      device_id: session.deviceId,
      installation_id: session.installationId,
    });
    return { accessToken: signed.token, expiresAt: signed.expiresAt };
  }
}
