import { sign, verify, type KeyObject } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { JwtAlg } from './jwt-keys';

/** The registered claims every verification enforces, whatever the algorithm. */
export interface ClaimRules {
  /** Expected iss, and one of the aud values. */
  readonly issuer: string;
  readonly clockSkewSeconds: number;
}

/** Signs the access tokens of the current signing key. */
export interface JwsSigner {
  sign(payload: object): string;
}

/**
 * Checks a compact JWS whose header already selected this key (kid) and matched its
 * alg. Returns the payload object only when the signature verifies; null otherwise.
 */
export interface JwsVerifier {
  readonly alg: JwtAlg;
  verify(token: string, dot2: number, nowSeconds: number): Record<string, unknown> | null;
}

/** The JOSE header this service writes: kid only for asymmetric keys. */
export function encodeHeader(alg: JwtAlg, kid: string | undefined): string {
  const header = kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' };
  return Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
}

export function jwsSigner(alg: JwtAlg, key: KeyObject, kid: string | undefined): JwsSigner {
  return alg === 'EdDSA' ? new Ed25519Jws(key, kid) : new NestJwtSigner(alg, key, kid);
}

export function jwsVerifier(alg: JwtAlg, key: KeyObject, rules: ClaimRules): JwsVerifier {
  return alg === 'EdDSA' ? new Ed25519Jws(key, undefined) : new NestJwtVerifier(alg, key, rules);
}

/**
 * HS256 and ES256 through @nestjs/jwt (jsonwebtoken). Each instance is bound to one
 * KeyObject built at startup, so nothing parses key material per call, and to exactly
 * one algorithm: jsonwebtoken then refuses any other alg, including "none", and checks
 * that the key type fits it (a secret for HS256, a P-256 public key for ES256).
 */
class NestJwtSigner implements JwsSigner {
  private readonly jwt: JwtService;

  constructor(alg: 'HS256' | 'ES256', key: KeyObject, kid: string | undefined) {
    // jsonwebtoken refuses keyid: undefined, so the option is only present with a kid.
    this.jwt = new JwtService({ privateKey: key, signOptions: kid ? { algorithm: alg, keyid: kid } : { algorithm: alg } });
  }

  sign(payload: object): string {
    return this.jwt.sign(payload);
  }
}

class NestJwtVerifier implements JwsVerifier {
  private readonly jwt: JwtService;

  constructor(
    readonly alg: 'HS256' | 'ES256',
    key: KeyObject,
    rules: ClaimRules,
  ) {
    this.jwt = new JwtService({
      // The HS256 secret goes in as "publicKey" too: it is the verification key, and
      // jsonwebtoken accepts it for HS256 only because its KeyObject type is 'secret'.
      publicKey: key,
      verifyOptions: { algorithms: [alg], issuer: rules.issuer, audience: rules.issuer, clockTolerance: rules.clockSkewSeconds },
    });
  }

  verify(token: string, _dot2: number, nowSeconds: number): Record<string, unknown> | null {
    let payload: unknown;
    try {
      // The injected clock, not Date.now(): same window as the cached-token check.
      payload = this.jwt.verify(token, { clockTimestamp: nowSeconds });
    } catch {
      return null;
    }
    return isJsonObject(payload) ? payload : null;
  }
}

/**
 * EdDSA (Ed25519) with node:crypto. jsonwebtoken 9 has no EdDSA, and jose, which has,
 * is asynchronous only (WebCrypto) while signing and verifying here are synchronous
 * (the guard verifies on every call of both transports). Only the framing is ours; the
 * kid/alg selection, encoding checks and claim checks are the ones every key shares,
 * and tests cross-check these tokens with jose.
 */
class Ed25519Jws implements JwsSigner, JwsVerifier {
  readonly alg = 'EdDSA';
  private readonly header: string;

  constructor(
    private readonly key: KeyObject,
    kid: string | undefined,
  ) {
    this.header = encodeHeader('EdDSA', kid);
  }

  sign(payload: object): string {
    const input = `${this.header}.${Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url')}`;
    return `${input}.${sign(null, Buffer.from(input, 'latin1'), this.key).toString('base64url')}`;
  }

  verify(token: string, dot2: number): Record<string, unknown> | null {
    let valid: boolean;
    try {
      valid = verify(null, Buffer.from(token.slice(0, dot2), 'latin1'), this.key, Buffer.from(token.slice(dot2 + 1), 'base64url'));
    } catch {
      return null;
    }
    // The signature is checked before the payload is even decoded.
    return valid ? parseJsonObject(token.slice(token.indexOf('.') + 1, dot2)) : null;
  }
}

export function parseJsonObject(segment: string): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return isJsonObject(value) ? value : null;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
