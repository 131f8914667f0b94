import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../../common/clock';
import { DomainError } from '../../../common/errors/domain-error';
import type { AppConfig } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { encodeHeader, jwsSigner, jwsVerifier, parseJsonObject, type JwsSigner, type JwsVerifier } from './jws-algorithms';
import { loadJwtKeys, type JwtAlg, type JwtKeys, type PublicJwk } from './jwt-keys';

/** The claims a caller chooses; the service adds iss, aud, jti, iat, nbf and exp. */
export interface AccessClaims {
  sub: string;
  sid: string;
  role: string;
  email?: string;
  name?: string;
  device_id: string;
  installation_id: string;
}

export interface VerifiedAccessToken extends AccessClaims {
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
  iss: string;
  aud: string | string[];
}

/**
 * Tolerated difference between the clocks of the replicas that sign and verify:
 * a token is accepted up to 30 s after its exp and 30 s before its nbf.
 */
export const CLOCK_SKEW_SECONDS = 30;

/** Longer tokens are rejected before any decoding: ours are well under 1 KiB. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

const INVALID_TOKEN_MESSAGE = 'Invalid or expired access token';

/** base64url length of a 32-byte HMAC-SHA256 and of a 64-byte Ed25519 / P-256 (r||s) signature. */
const SIGNATURE_LENGTH: Readonly<Record<JwtAlg, number>> = { HS256: 43, EdDSA: 86, ES256: 86 };

/** Verified tokens kept (about 1 KB each); the oldest entry leaves first. */
const VERIFIED_CACHE_SIZE = 4096;

const B64URL_VALUE = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => {
  B64URL_VALUE[c.charCodeAt(0)] = i;
});

/**
 * Issues and verifies access tokens (JWS compact): HS256 and ES256 through @nestjs/jwt,
 * EdDSA through node:crypto (jws-algorithms.ts), each bound to a KeyObject built once
 * at startup, so no key is parsed on the per-request path. The only algorithms accepted
 * are those of the configured keys, chosen by the key the token's kid selects, never by
 * the token's alg alone; the library is handed that key and that one algorithm.
 */
@Injectable()
export class TokenService {
  private readonly keys: JwtKeys;
  private readonly issuer: string;
  private readonly ttlSeconds: number;
  private readonly signer: JwsSigner;
  /** A verifier per accepted kid ('' for the kid-less HS256 secret), bound to that key's alg. */
  private readonly verifiers = new Map<string, JwsVerifier>();
  /** The exact header segments this service writes, so verifying them skips JSON parsing. */
  private readonly knownHeaders = new Map<string, JwsVerifier>();
  private readonly jwksDocument: { readonly keys: readonly PublicJwk[] };
  /**
   * Tokens that passed every check, by their exact text. A client sends the same
   * token on every call of its lifetime, and the signature check and JSON parse are
   * the costliest steps of an authenticated call (BENCHMARKS.md). A hit still goes
   * through the validity window; only tokens that verified are ever stored.
   */
  private readonly verified = new Map<string, Readonly<VerifiedAccessToken>>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.keys = loadJwtKeys(config, { logger: new Logger(TokenService.name) });
    this.issuer = config.jwt.issuer;
    this.ttlSeconds = config.jwt.accessTokenTtlMinutes * 60;
    const rules = { issuer: this.issuer, clockSkewSeconds: CLOCK_SKEW_SECONDS };
    for (const [kid, entry] of this.keys.verifyKeys) {
      const verifier = jwsVerifier(entry.alg, entry.key, rules);
      this.verifiers.set(kid, verifier);
      this.knownHeaders.set(encodeHeader(entry.alg, kid), verifier);
    }
    this.signer = jwsSigner(this.keys.alg, this.keys.signingKey, this.keys.kid);
    this.jwksDocument = Object.freeze({ keys: this.keys.jwks });
  }

  /** Signs an access token valid from now for ACCESS_TOKEN_TTL_MINUTES. */
  signAccessToken(claims: AccessClaims): { token: string; expiresAt: Date } {
    if (!isNonEmptyString(claims.sub) || !isNonEmptyString(claims.sid)) {
      throw new Error('An access token needs a non-empty sub and sid');
    }
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + this.ttlSeconds;
    const payload = {
      sub: claims.sub,
      sid: claims.sid,
      role: claims.role,
      email: claims.email,
      name: claims.name,
      device_id: claims.device_id,
      installation_id: claims.installation_id,
      iss: this.issuer,
      aud: this.issuer,
      jti: randomUUID(),
      iat,
      nbf: iat,
      exp,
    };
    return { token: this.signer.sign(payload), expiresAt: new Date(exp * 1000) };
  }

  /**
   * Verifies signature, algorithm, kid, issuer, audience and validity window, and
   * returns the claims. Every failure throws the same AUTH_TOKEN_INVALID error with
   * the same message: telling a caller why would help forge or replay tokens.
   * Synchronous: the guard runs it on every authenticated call of both transports.
   */
  verifyAccessToken(token: string): Readonly<VerifiedAccessToken> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (this.withinValidity(known.nbf, known.exp)) return known;
      this.verified.delete(token);
      throw invalidToken();
    }
    const claims = Object.freeze(this.verifyUncached(token));
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, claims);
    return claims;
  }

  private verifyUncached(token: string): VerifiedAccessToken {
    const dot1 = token.indexOf('.');
    const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw invalidToken();
    if (!isBase64Url(token, 0, dot1) || !isBase64Url(token, dot1 + 1, dot2) || !isBase64Url(token, dot2 + 1, token.length)) {
      throw invalidToken();
    }

    const headerSegment = token.slice(0, dot1);
    const key = this.knownHeaders.get(headerSegment) ?? this.keyForHeader(headerSegment);
    if (key === undefined || token.length - dot2 - 1 !== SIGNATURE_LENGTH[key.alg]) throw invalidToken();

    // Signature, alg, and (HS256/ES256) iss, aud, nbf and exp by the library; then our own
    // stricter checks of every claim, the same for each algorithm.
    const claims = key.verify(token, dot2, this.clock.now().getTime() / 1000);
    const verified = claims && this.checkClaims(claims);
    if (!verified) throw invalidToken();
    return verified;
  }

  /** The JWK Set of /.well-known/jwks.json: current and retired public keys; empty with HS256. */
  jwks(): { keys: object[] } {
    return this.jwksDocument as { keys: object[] };
  }

  /**
   * A header we did not write ourselves (other key order, extra members, a retired
   * writer): the kid picks the key, and the alg must be that key's alg exactly, which
   * rejects "none" in any case, RS256, and HS256 "signed" with a public key.
   */
  private keyForHeader(segment: string): JwsVerifier | undefined {
    const header = parseJsonObject(segment);
    if (!header) return undefined;
    // We implement no extension, so any critical one must be refused (RFC 7515 4.1.11).
    if (header.crit !== undefined) return undefined;
    if (header.typ !== undefined && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) return undefined;
    const kid = header.kid;
    if (kid !== undefined && !isNonEmptyString(kid)) return undefined;
    const key = this.verifiers.get(kid ?? '');
    return key !== undefined && header.alg === key.alg ? key : undefined;
  }

  private checkClaims(c: Record<string, unknown>): VerifiedAccessToken | null {
    const { sub, sid, role, email, name, device_id, installation_id, jti, iat, nbf, exp, iss, aud } = c;
    if (!isNonEmptyString(sub) || !isNonEmptyString(sid) || !isNonEmptyString(jti)) return null;
    if (typeof role !== 'string' || typeof device_id !== 'string' || typeof installation_id !== 'string') return null;
    if ((email !== undefined && typeof email !== 'string') || (name !== undefined && typeof name !== 'string')) return null;
    if (!isNumericDate(iat) || !isNumericDate(nbf) || !isNumericDate(exp)) return null;
    if (iss !== this.issuer || !this.audienceMatches(aud)) return null;
    if (!this.withinValidity(nbf, exp)) return null;

    // Only the known claims are returned: nothing else from the token reaches callers.
    const verified: VerifiedAccessToken = { sub, sid, role, device_id, installation_id, jti, iat, nbf, exp, iss, aud };
    if (email !== undefined) verified.email = email;
    if (name !== undefined) verified.name = name;
    return verified;
  }

  private withinValidity(nbf: number, exp: number): boolean {
    const now = this.clock.now().getTime() / 1000;
    return exp + CLOCK_SKEW_SECONDS > now && nbf - CLOCK_SKEW_SECONDS <= now;
  }

  private audienceMatches(aud: unknown): aud is string | string[] {
    if (typeof aud === 'string') return aud === this.issuer;
    if (!Array.isArray(aud) || aud.length === 0) return false;
    let found = false;
    for (const a of aud) {
      if (typeof a !== 'string') return false;
      if (a === this.issuer) found = true;
    }
    return found;
  }
}

function invalidToken(): DomainError {
  return new DomainError('AUTH_TOKEN_INVALID', INVALID_TOKEN_MESSAGE);
}

/**
 * Strict, canonical base64url without padding: only the URL-safe alphabet, a
 * possible length, and zero unused bits in the last character, so each byte
 * string has exactly one accepted encoding (Buffer.from alone skips junk, and
 * jsonwebtoken decodes with it).
 */
function isBase64Url(s: string, start: number, end: number): boolean {
  const n = end - start;
  if (n <= 0 || n % 4 === 1) return false;
  let last = 0;
  for (let i = start; i < end; i++) {
    const code = s.charCodeAt(i);
    last = code < 128 ? B64URL_VALUE[code] : -1;
    if (last < 0) return false;
  }
  if (n % 4 === 2) return (last & 0x0f) === 0;
  if (n % 4 === 3) return (last & 0x03) === 0;
  return true;
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0;
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
