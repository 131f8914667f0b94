import { createHash, createPrivateKey, createPublicKey, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../../../config/app-config';
import { APP_ROOT } from '../../../paths';

export type JwtAlg = 'HS256' | 'EdDSA' | 'ES256';

export interface JwtVerifyKey {
  readonly alg: JwtAlg;
  readonly key: KeyObject;
}

/** A published public key: the JWK of the key plus kid, alg and use. */
export interface PublicJwk {
  readonly kty: string;
  readonly crv: string;
  readonly x: string;
  readonly y?: string;
  readonly kid: string;
  readonly alg: JwtAlg;
  readonly use: 'sig';
}

export interface JwtKeys {
  /** Algorithm of the signing key; tokens are only ever signed with it. */
  readonly alg: JwtAlg;
  readonly signingKey: KeyObject;
  /** Set for asymmetric keys: the RFC 7638 thumbprint of the public key. */
  readonly kid?: string;
  /**
   * Every key a token may be verified with, by the kid its header must carry;
   * '' is the kid-less HS256 secret. The header's alg must equal the entry's alg.
   */
  readonly verifyKeys: ReadonlyMap<string, JwtVerifyKey>;
  /** Public keys for /.well-known/jwks.json: the current one first, then retired ones. */
  readonly jwks: readonly PublicJwk[];
}

export interface LoadJwtKeysOptions {
  /** Where the development secret lives; defaults to <APP_ROOT>/.data/dev-jwt-secret. */
  readonly devSecretFile?: string;
  readonly logger?: Pick<Logger, 'warn'>;
}

export const DEV_SECRET_FILE = path.join(APP_ROOT, '.data', 'dev-jwt-secret');

const PEM_PUBLIC_KEY = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/**
 * Builds the signing and verification keys once, at startup, as KeyObjects so
 * that each verification skips key parsing. Bad key material throws here
 * (never on a request); the messages name the variable, never its value.
 *
 * - JWT_PRIVATE_KEY (Ed25519 or P-256 PEM) wins: tokens are EdDSA / ES256 and carry a kid.
 *   If JWT_SECRET_KEY is also set, HS256 tokens without a kid still verify, so moving
 *   from HS256 to asymmetric keys logs nobody out; remove the secret once they expired.
 * - JWT_SECRET_KEY alone: HS256, no kid.
 * - Neither, outside production: a generated development secret kept on disk.
 * - JWT_PREVIOUS_PUBLIC_KEYS: retired public keys, still accepted (by their kid) and
 *   still published, so a rotation never invalidates tokens already issued.
 */
export function loadJwtKeys(config: AppConfig, options: LoadJwtKeysOptions = {}): JwtKeys {
  const jwt = config.jwt;
  const verifyKeys = new Map<string, JwtVerifyKey>();
  const jwks: PublicJwk[] = [];
  const secretText = jwt.secretKey?.reveal();

  let current: { alg: JwtAlg; signingKey: KeyObject; kid?: string };
  if (jwt.privateKey) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({ key: jwt.privateKey.reveal(), format: 'pem' });
    } catch {
      throw new Error('JWT_PRIVATE_KEY is not a valid PEM private key');
    }
    const alg = asymmetricAlg(privateKey, 'JWT_PRIVATE_KEY');
    const entry = publicEntry(createPublicKey(privateKey), alg);
    verifyKeys.set(entry.kid, { alg, key: entry.key });
    jwks.push(entry.jwk);
    current = { alg, signingKey: privateKey, kid: entry.kid };
    if (secretText) verifyKeys.set('', { alg: 'HS256', key: createSecretKey(Buffer.from(secretText, 'utf8')) });
  } else {
    const secret = secretText ?? developmentSecret(config, options);
    const signingKey = createSecretKey(Buffer.from(secret, 'utf8'));
    verifyKeys.set('', { alg: 'HS256', key: signingKey });
    current = { alg: 'HS256', signingKey };
  }

  const previous = jwt.previousPublicKeys?.reveal().trim();
  if (previous) {
    const pems = previous.match(PEM_PUBLIC_KEY);
    if (!pems) throw new Error('JWT_PREVIOUS_PUBLIC_KEYS holds no "BEGIN PUBLIC KEY" PEM block');
    for (const pem of pems) {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: pem, format: 'pem' });
      } catch {
        throw new Error('JWT_PREVIOUS_PUBLIC_KEYS holds an invalid PEM public key');
      }
      const entry = publicEntry(key, asymmetricAlg(key, 'JWT_PREVIOUS_PUBLIC_KEYS'));
      if (verifyKeys.has(entry.kid)) continue; // the current key, or listed twice
      verifyKeys.set(entry.kid, { alg: entry.jwk.alg, key: entry.key });
      jwks.push(entry.jwk);
    }
  }

  return { ...current, verifyKeys, jwks: Object.freeze(jwks) };
}

/** Only Ed25519 and P-256 are accepted: each maps to exactly one JWS alg. */
function asymmetricAlg(key: KeyObject, variable: string): JwtAlg {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`${variable} must be an Ed25519 or an EC P-256 key`);
}

function publicEntry(key: KeyObject, alg: JwtAlg): { kid: string; key: KeyObject; jwk: PublicJwk } {
  const jwk = key.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y?: string };
  const kid = jwkThumbprint(jwk);
  const published: PublicJwk =
    jwk.kty === 'EC'
      ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg, use: 'sig' }
      : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, kid, alg, use: 'sig' };
  return { kid, key, jwk: Object.freeze(published) };
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace. */
export function jwkThumbprint(jwk: { kty: string; crv: string; x: string; y?: string }): string {
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function developmentSecret(config: AppConfig, options: LoadJwtKeysOptions): string {
  // Production config validation already requires a key; this guards against a hand-built config.
  if (config.nodeEnv === 'production') throw new Error('JWT_SECRET_KEY or JWT_PRIVATE_KEY is required in production');
  const file = options.devSecretFile ?? DEV_SECRET_FILE;
  const secret = readOrCreateSecretFile(file);
  (options.logger ?? new Logger('TokenService')).warn(
    `No JWT_SECRET_KEY or JWT_PRIVATE_KEY set: signing access tokens with a development key from ${file}. Never use this in production.`,
  );
  return secret;
}

/**
 * Created atomically: the secret is written to a private temporary file which is
 * then hard-linked to its final name; link() fails if the name exists, so of two
 * processes starting together both end up with the first one's secret, and
 * nobody ever reads a half-written file.
 */
function readOrCreateSecretFile(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const fresh = randomBytes(48).toString('base64url');
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, fresh, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A filesystem without hard links: exclusive create, which loses only the no-half-read guarantee.
    if (code !== 'EEXIST') createExclusive(file, fresh);
  } finally {
    unlinkSync(tmp);
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) throw new Error(`The development JWT secret in ${file} is shorter than 32 characters; delete the file to regenerate it`);
  return secret;
}

function createExclusive(file: string, content: string): void {
  try {
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
