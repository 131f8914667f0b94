import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { bearer, grpc, type GrpcError } from '../support/grpc-client';
import { credentials, uniqueEmail } from '../support/factories';

/**
 * The published key set and the tokens, checked against jose, an implementation
 * independent of the one the service signs and verifies with: what it signs must
 * verify here, what we sign must verify there, and the JWKS document must not change
 * by one byte when the signing code underneath does.
 */
const ED = generateKeyPairSync('ed25519');
const EC_RETIRED = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const STRANGER = generateKeyPairSync('ed25519');
const ISSUER = 'auth-service';

const pem = (k: KeyObject, type: 'pkcs8' | 'spki') => k.export({ format: 'pem', type }).toString();
const jwkOf = (k: KeyObject) => k.export({ format: 'jwk' }) as JWK & { x: string; y?: string };

describe('JWKS and asymmetric access tokens, cross-checked with jose', () => {
  let app: TestApp;
  let edKid: string;
  let ecKid: string;
  beforeAll(async () => {
    app = await bootTestApp({ JWT_PRIVATE_KEY: pem(ED.privateKey, 'pkcs8'), JWT_PREVIOUS_PUBLIC_KEYS: pem(EC_RETIRED.publicKey, 'spki') });
    edKid = await calculateJwkThumbprint(jwkOf(ED.publicKey));
    ecKid = await calculateJwkThumbprint(jwkOf(EC_RETIRED.publicKey));
  });
  afterAll(async () => {
    await app?.close();
  });

  async function signedInToken(): Promise<{ token: string; userId: string }> {
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('jwks')) });
    expect(res.status).toBe(200);
    return { token: res.body.tokens.accessToken, userId: res.body.user.userId };
  }

  /** The claims of a token the service issued, with a fresh jti, signed by jose with `key` under `header`. */
  async function resign(token: string, key: KeyObject, header: { alg: string; kid?: string }): Promise<string> {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    return new SignJWT({ ...claims, jti: randomUUID() }).setProtectedHeader({ ...header, typ: 'JWT' }).sign(key);
  }

  async function expectAccepted(token: string, userId: string): Promise<void> {
    const rest = await app.http('GET', '/v1/auth/token/claims', { token });
    expect(rest.status).toBe(200);
    expect(rest.body.userId).toBe(userId);
    const rpc = await app.auth.call('GetAccessTokenClaims', {}, bearer(token));
    expect(rpc.userId).toEqual({ value: userId });
  }

  async function expectRefused(token: string): Promise<void> {
    const rest = await app.http('GET', '/v1/auth/token/claims', { token });
    expect(rest.status).toBe(401);
    expect(rest.body.error.status).toBe('UNAUTHENTICATED');
    expect(rest.body.error.message).toBe('Invalid or expired access token');
    const err = (await app.auth.call('GetAccessTokenClaims', {}, bearer(token)).catch((e: GrpcError) => e)) as GrpcError;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
  }

  it('publishes exactly the current and the retired public key, members in a fixed order, cacheable', async () => {
    const ed = jwkOf(ED.publicKey);
    const ec = jwkOf(EC_RETIRED.publicKey);
    const res = await app.http('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.text).toBe(
      JSON.stringify({
        keys: [
          { kty: 'OKP', crv: 'Ed25519', x: ed.x, kid: edKid, alg: 'EdDSA', use: 'sig' },
          { kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y, kid: ecKid, alg: 'ES256', use: 'sig' },
        ],
      }),
    );
  });

  it('issues EdDSA tokens that jose verifies against the published key set', async () => {
    const { token, userId } = await signedInToken();
    const jwks = createLocalJWKSet((await app.http('GET', '/.well-known/jwks.json')).body);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: ISSUER,
      audience: ISSUER,
      algorithms: ['EdDSA'],
      currentDate: app.clock.now(),
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: edKid });
    expect(payload.sub).toBe(userId);
  });

  it('accepts tokens jose signs with the current key and with the retired key, on both transports', async () => {
    const { token, userId } = await signedInToken();
    await expectAccepted(await resign(token, ED.privateKey, { alg: 'EdDSA', kid: edKid }), userId);
    await expectAccepted(await resign(token, EC_RETIRED.privateKey, { alg: 'ES256', kid: ecKid }), userId);
  });

  it('refuses a foreign key behind a known kid, a kid-less asymmetric token, and an alg its kid does not allow', async () => {
    const { token } = await signedInToken();
    await expectRefused(await resign(token, STRANGER.privateKey, { alg: 'EdDSA', kid: edKid }));
    await expectRefused(await resign(token, ED.privateKey, { alg: 'EdDSA' }));
    // The retired P-256 key's kid with an EdDSA signature of the current key.
    await expectRefused(await resign(token, ED.privateKey, { alg: 'EdDSA', kid: ecKid }));
    // HS256 "signed" with the public key's PEM as the HMAC secret (algorithm confusion).
    const publicPemAsSecret = new TextEncoder().encode(pem(ED.publicKey, 'spki'));
    await expectRefused(await resign(token, publicPemAsSecret as unknown as KeyObject, { alg: 'HS256', kid: edKid }));
  });
});

describe('JWKS with an HS256 secret only', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await bootTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('publishes an empty key set, never the secret', async () => {
    const res = await app.http('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"keys":[]}');
  });
});
