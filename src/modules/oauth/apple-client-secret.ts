import { createPrivateKey, type KeyObject } from 'node:crypto';
import type { OAuthProviderConfig } from '../../config/oauth-config';

/** Apple accepts secrets up to six months old; a short life limits what a leaked one is worth. */
const LIFETIME_SECONDS = 3600;
/** Renewed this long before it expires, so a token request never carries one about to lapse. */
const RENEW_BEFORE_SECONDS = 600;

/**
 * Sign in with Apple's client secret: an ES256 JWT (iss = team id, sub = client id,
 * aud = https://appleid.apple.com, kid = key id) signed with the team's private key,
 * made with jose and reused until shortly before it expires.
 */
export class AppleClientSecret {
  private readonly key: KeyObject;
  private cached?: { readonly jwt: string; readonly expiresAt: number };

  constructor(private readonly provider: OAuthProviderConfig) {
    this.key = createPrivateKey(provider.apple!.privateKey.reveal());
  }

  /** The secret to send now; nowMs is the wall clock (Apple checks iat/exp against its own). */
  async current(nowMs: number = Date.now()): Promise<string> {
    const now = Math.floor(nowMs / 1000);
    if (this.cached && this.cached.expiresAt - RENEW_BEFORE_SECONDS > now) return this.cached.jwt;
    const { teamId, keyId } = this.provider.apple!;
    // jose is ESM-only and loaded with openid-client anyway (its dependency): at first use.
    const { SignJWT } = await import('jose');
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: keyId })
      .setIssuer(teamId)
      .setSubject(this.provider.clientId)
      .setAudience('https://appleid.apple.com')
      .setIssuedAt(now)
      .setExpirationTime(now + LIFETIME_SECONDS)
      .sign(this.key);
    this.cached = { jwt, expiresAt: now + LIFETIME_SECONDS };
    return jwt;
  }
}
