import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/common/clock';
import { DomainError } from '../../src/common/errors/domain-error';
import type { AppConfig } from '../../src/config/app-config';
import { Secret } from '../../src/config/secret';
import { jwkThumbprint, loadJwtKeys } from '../../src/modules/tokens/jwt/jwt-keys';
import { CLOCK_SKEW_SECONDS, TokenService, type AccessClaims } from '../../src/modules/tokens/jwt/token.service';

const SECRET = 'x'.repeat(40);
const ISSUER = 'auth-service';
const TTL_MINUTES = 60;
const START = new Date('2030-01-01T00:00:00Z');
const START_S = START.getTime() / 1000;

const CLAIMS: AccessClaims = {
  sub: '0b6d6f1c-6a43-4d55-9c1e-3f3c1c1d2e01',
  sid: '5a1f4c2e-8b7d-4e9a-a2c3-d4e5f6a7b8c9',
  role: 'user',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  device_id: 'device-1',
  installation_id: 'install-1',
};

interface JwtKeyConfig {
  secretKey?: string;
  privateKey?: string;
  previousPublicKeys?: string;
  nodeEnv?: string;
}

function configOf(k: JwtKeyConfig): AppConfig {
  return {
    nodeEnv: k.nodeEnv ?? 'test',
    jwt: {
      secretKey: k.secretKey === undefined ? undefined : new Secret(k.secretKey),
      privateKey: k.privateKey === undefined ? undefined : new Secret(k.privateKey),
      previousPublicKeys: k.previousPublicKeys === undefined ? undefined : new Secret(k.previousPublicKeys),
      issuer: ISSUER,
      accessTokenTtlMinutes: TTL_MINUTES,
    },
  } as unknown as AppConfig;
}

function serviceOf(k: JwtKeyConfig, clock = new ManualClock(START)): TokenService {
  return new TokenService(configOf(k), clock);
}

interface PemPair {
  privatePem: string;
  publicPem: string;
  privateKey: KeyObject;
}

function keyPair(type: 'ed25519' | 'p256' | 'rsa'): PemPair {
  const { privateKey, publicKey } =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : type === 'p256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    privateKey,
  };
}

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hs256 = (secret: string) => (input: string) => createHmac('sha256', secret).update(input).digest('base64url');
const eddsa = (key: KeyObject) => (input: string) => sign(null, Buffer.from(input), key).toString('base64url');
const rs256 = (key: KeyObject) => (input: string) => sign('sha256', Buffer.from(input), key).toString('base64url');

function forge(header: unknown, payload: unknown, signer: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signer(input)}`;
}

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

/** A complete, valid payload at START, to derive attacks from. */
function validPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...CLAIMS,
    iss: ISSUER,
    aud: ISSUER,
    jti: 'b1c2d3e4-0000-4000-8000-000000000001',
    iat: START_S,
    nbf: START_S,
    exp: START_S + TTL_MINUTES * 60,
    ...overrides,
  };
}

function expectInvalid(service: TokenService, token: string): void {
  let thrown: unknown;
  try {
    service.verifyAccessToken(token);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DomainError);
  expect((thrown as DomainError).code).toBe('AUTH_TOKEN_INVALID');
  expect((thrown as DomainError).kind).toBe('unauthenticated');
  expect((thrown as DomainError).message).toBe('Invalid or expired access token');
}

const ED_A = keyPair('ed25519');
const ED_C = keyPair('ed25519');
const EC_B = keyPair('p256');
const RSA = keyPair('rsa');

describe('TokenService round trips', () => {
  const cases: Array<[string, JwtKeyConfig, string, number]> = [
    ['HS256', { secretKey: SECRET }, 'HS256', 43],
    ['EdDSA', { privateKey: ED_A.privatePem }, 'EdDSA', 86],
    ['ES256', { privateKey: EC_B.privatePem }, 'ES256', 86],
  ];

  for (const [label, keys, alg, signatureLength] of cases) {
    it(`${label}: signs and verifies every claim`, () => {
      const service = serviceOf(keys);
      const { token, expiresAt } = service.signAccessToken(CLAIMS);
      expect(expiresAt).toEqual(new Date(START.getTime() + TTL_MINUTES * 60_000));

      const header = headerOf(token);
      expect(header.alg).toBe(alg);
      expect(header.typ).toBe('JWT');
      if (alg === 'HS256') expect(header.kid).toBeUndefined();
      else expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(token.split('.')[2]).toHaveLength(signatureLength);

      const verified = service.verifyAccessToken(token);
      expect(verified).toEqual({
        ...CLAIMS,
        iss: ISSUER,
        aud: ISSUER,
        jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        iat: START_S,
        nbf: START_S,
        exp: START_S + TTL_MINUTES * 60,
      });
      expect(payloadOf(token)).toEqual(verified);
    });
  }

  it('gives every token its own jti', () => {
    const service = serviceOf({ secretKey: SECRET });
    const a = service.verifyAccessToken(service.signAccessToken(CLAIMS).token);
    const b = service.verifyAccessToken(service.signAccessToken(CLAIMS).token);
    expect(a.jti).not.toBe(b.jti);
  });

  it('omits email and name when absent', () => {
    const service = serviceOf({ secretKey: SECRET });
    const { email: _e, name: _n, ...rest } = CLAIMS;
    const { token } = service.signAccessToken(rest);
    expect(payloadOf(token)).not.toHaveProperty('email');
    const verified = service.verifyAccessToken(token);
    expect(verified).not.toHaveProperty('email');
    expect(verified).not.toHaveProperty('name');
  });

  it('accepts a correctly signed token whose header it did not write itself, and an aud array', () => {
    const service = serviceOf({ secretKey: SECRET });
    const token = forge({ typ: 'JWT', alg: 'HS256' }, validPayload({ aud: ['other', ISSUER] }), hs256(SECRET));
    expect(service.verifyAccessToken(token).aud).toEqual(['other', ISSUER]);
  });

  it('returns only the known claims', () => {
    const service = serviceOf({ secretKey: SECRET });
    const token = forge({ alg: 'HS256', typ: 'JWT' }, validPayload({ admin: true }), hs256(SECRET));
    expect(service.verifyAccessToken(token)).not.toHaveProperty('admin');
  });
});

describe('TokenService rejects', () => {
  const hs = serviceOf({ secretKey: SECRET });
  const ed = serviceOf({ privateKey: ED_A.privatePem });
  const edKid = headerOf(ed.signAccessToken(CLAIMS).token).kid as string;

  it('alg none with an empty signature, in any case', () => {
    for (const alg of ['none', 'NONE', 'None']) {
      const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(validPayload())}.`;
      expectInvalid(hs, unsigned);
      expectInvalid(ed, unsigned);
      expectInvalid(ed, `${b64({ alg, typ: 'JWT', kid: edKid })}.${b64(validPayload())}.`);
    }
  });

  it('an HS256 token forged with the EdDSA public key PEM as HMAC secret', () => {
    expectInvalid(ed, forge({ alg: 'HS256', typ: 'JWT', kid: edKid }, validPayload(), hs256(ED_A.publicPem)));
    expectInvalid(ed, forge({ alg: 'HS256', typ: 'JWT' }, validPayload(), hs256(ED_A.publicPem)));
  });

  it('an algorithm other than the configured one (RS256, or EdDSA on an HS256 service)', () => {
    expectInvalid(ed, forge({ alg: 'RS256', typ: 'JWT', kid: edKid }, validPayload(), rs256(RSA.privateKey)));
    expectInvalid(hs, forge({ alg: 'RS256', typ: 'JWT' }, validPayload(), rs256(RSA.privateKey)));
    expectInvalid(ed, forge({ alg: 'ES256', typ: 'JWT', kid: edKid }, validPayload(), eddsa(ED_A.privateKey)));
  });

  it('an unknown kid, even with a valid signature', () => {
    expectInvalid(ed, forge({ alg: 'EdDSA', typ: 'JWT', kid: 'unknown' }, validPayload(), eddsa(ED_A.privateKey)));
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT', kid: 'k1' }, validPayload(), hs256(SECRET)));
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT', kid: '' }, validPayload(), hs256(SECRET)));
    expectInvalid(ed, forge({ alg: 'EdDSA', typ: 'JWT' }, validPayload(), eddsa(ED_A.privateKey)));
  });

  it('crit headers and foreign typ', () => {
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT', crit: ['exp'] }, validPayload(), hs256(SECRET)));
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'refresh+jwt' }, validPayload(), hs256(SECRET)));
  });

  it('an expired token, after the clock skew', () => {
    const clock = new ManualClock(START);
    const service = serviceOf({ secretKey: SECRET }, clock);
    const { token } = service.signAccessToken(CLAIMS);
    clock.advance((TTL_MINUTES * 60 + CLOCK_SKEW_SECONDS - 1) * 1000);
    expect(service.verifyAccessToken(token).sub).toBe(CLAIMS.sub);
    clock.advance(1000);
    expectInvalid(service, token);
    clock.advance(24 * 3600 * 1000);
    expectInvalid(service, token);
  });

  it('checks a token\'s signature once, then serves it from memory within its validity window only', () => {
    const clock = new ManualClock(START);
    const service = serviceOf({ secretKey: SECRET }, clock);
    const uncached = vi.spyOn(service as unknown as { verifyUncached(t: string): unknown }, 'verifyUncached');
    const { token } = service.signAccessToken(CLAIMS);
    const first = service.verifyAccessToken(token);
    expect(service.verifyAccessToken(token)).toBe(first);
    expect(uncached).toHaveBeenCalledTimes(1);
    expect(Object.isFrozen(first)).toBe(true);
    // Same text up to the last character of the signature: not the cached token.
    expectInvalid(service, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);
    clock.advance((TTL_MINUTES * 60 + CLOCK_SKEW_SECONDS) * 1000);
    expectInvalid(service, token);
    clock.advance(-(TTL_MINUTES * 60 + CLOCK_SKEW_SECONDS) * 1000);
    expect(service.verifyAccessToken(token).sub).toBe(CLAIMS.sub);
    expect(uncached).toHaveBeenCalledTimes(3);
  });

  it('keeps a bounded number of verified tokens', () => {
    const service = serviceOf({ secretKey: SECRET });
    const tokens = Array.from({ length: 5000 }, (_, i) => service.signAccessToken({ ...CLAIMS, sid: `session-${i}` }).token);
    for (const t of tokens) service.verifyAccessToken(t);
    expect((service as unknown as { verified: Map<string, unknown> }).verified.size).toBe(4096);
    expect(service.verifyAccessToken(tokens[0]).sid).toBe('session-0');
  });

  it('a token not valid yet (nbf beyond the clock skew)', () => {
    expect(hs.verifyAccessToken(forge({ alg: 'HS256', typ: 'JWT' }, validPayload({ nbf: START_S + CLOCK_SKEW_SECONDS }), hs256(SECRET))).sub).toBe(
      CLAIMS.sub,
    );
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, validPayload({ nbf: START_S + CLOCK_SKEW_SECONDS + 1 }), hs256(SECRET)));
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, validPayload({ nbf: START_S + 3600 }), hs256(SECRET)));
  });

  it('a wrong issuer or audience', () => {
    for (const overrides of [
      { iss: 'evil' },
      { iss: undefined },
      { aud: 'other-service' },
      { aud: ['other-service'] },
      { aud: [] },
      { aud: [ISSUER, 42] },
      { aud: undefined },
      { aud: { 0: ISSUER } },
    ]) {
      expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, validPayload(overrides), hs256(SECRET)));
    }
  });

  it('a tampered payload that keeps the signature', () => {
    for (const service of [hs, ed, serviceOf({ privateKey: EC_B.privatePem })]) {
      const [header, , signature] = service.signAccessToken(CLAIMS).token.split('.');
      const tampered = `${header}.${b64({ ...payloadOf(service.signAccessToken(CLAIMS).token), role: 'admin' })}.${signature}`;
      expectInvalid(service, tampered);
    }
  });

  it('a truncated, altered or foreign signature', () => {
    for (const service of [hs, ed]) {
      const { token } = service.signAccessToken(CLAIMS);
      expectInvalid(service, token.slice(0, -1));
      expectInvalid(service, token.slice(0, -4));
      const last = token.at(-1) === 'A' ? 'Q' : 'A';
      expectInvalid(service, token.slice(0, -1) + last);
      expectInvalid(service, `${token.split('.').slice(0, 2).join('.')}.`);
    }
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, validPayload(), hs256('y'.repeat(40))));
    expectInvalid(ed, forge({ alg: 'EdDSA', typ: 'JWT', kid: edKid }, validPayload(), eddsa(ED_C.privateKey)));
  });

  it('a non-canonical base64url signature (unused bits set)', () => {
    const { token } = hs.signAccessToken(CLAIMS);
    // 43 characters carry 258 bits for 256: the last character's two low bits must be zero.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    expectInvalid(hs, token.slice(0, -1) + alphabet[last | 1]);
  });

  it('the wrong number of segments', () => {
    const { token } = hs.signAccessToken(CLAIMS);
    const [h, p, s] = token.split('.');
    for (const bad of [`${h}.${p}`, `${token}.${s}`, `${token}.`, `.${token}`, h, '', '..', `${h}..${s}`]) expectInvalid(hs, bad);
  });

  it('malformed segments: bad base64url, non-JSON, not an object', () => {
    const { token } = hs.signAccessToken(CLAIMS);
    const [h, p, s] = token.split('.');
    expectInvalid(hs, `${h}=.${p}.${s}`);
    expectInvalid(hs, `${h}.+${p.slice(1)}.${s}`);
    expectInvalid(hs, `${h}.${p} .${s}`);
    expectInvalid(hs, `${b64('not json')}.${p}.${s}`);
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, 'not json', hs256(SECRET)));
    expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, '{"sub":', hs256(SECRET)));
    for (const notObject of [[validPayload()], 'a string', 42, null]) {
      expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, JSON.stringify(notObject), hs256(SECRET)));
    }
    expectInvalid(hs, forge(['HS256'], validPayload(), hs256(SECRET)));
    expectInvalid(hs, undefined as unknown as string);
  });

  it('missing or mistyped claims', () => {
    for (const overrides of [
      { sub: undefined },
      { sid: undefined },
      { exp: undefined },
      { jti: undefined },
      { iat: undefined },
      { nbf: undefined },
      { sub: '' },
      { sub: 42 },
      { sid: ['s'] },
      { exp: String(START_S + 3600) },
      { exp: null },
      { iat: 'yesterday' },
      { role: 7 },
      { role: undefined },
      { email: 1 },
      { name: { first: 'Ada' } },
      { device_id: null },
      { installation_id: undefined },
    ]) {
      expectInvalid(hs, forge({ alg: 'HS256', typ: 'JWT' }, validPayload(overrides), hs256(SECRET)));
    }
  });

  it('a token over 8 KiB', () => {
    const big = forge({ alg: 'HS256', typ: 'JWT' }, validPayload({ name: 'n'.repeat(8 * 1024) }), hs256(SECRET));
    expectInvalid(hs, big);
    const { token } = hs.signAccessToken({ ...CLAIMS, name: 'n'.repeat(5000) });
    expect(token.length).toBeLessThan(8 * 1024);
    expect(hs.verifyAccessToken(token).name).toHaveLength(5000);
  });
});

describe('key rotation and JWKS', () => {
  it('keeps tokens of a retired key valid, under their own kid', () => {
    const clock = new ManualClock(START);
    const before = serviceOf({ privateKey: ED_A.privatePem }, clock);
    const { token } = before.signAccessToken(CLAIMS);

    const after = serviceOf({ privateKey: EC_B.privatePem, previousPublicKeys: ED_A.publicPem }, clock);
    expect(after.verifyAccessToken(token).sub).toBe(CLAIMS.sub);
    const newToken = after.signAccessToken(CLAIMS).token;
    expect(headerOf(newToken).kid).not.toBe(headerOf(token).kid);
    expect(headerOf(newToken).alg).toBe('ES256');
    expect(after.verifyAccessToken(newToken).sub).toBe(CLAIMS.sub);

    // The retired key only verifies; and it expires with its tokens.
    clock.advance((TTL_MINUTES * 60 + CLOCK_SKEW_SECONDS) * 1000);
    expectInvalid(after, token);
  });

  it('publishes current and retired public keys, never private parts', () => {
    const service = serviceOf({ privateKey: EC_B.privatePem, previousPublicKeys: `${ED_A.publicPem}\n${ED_C.publicPem}` });
    const keys = service.jwks().keys as Array<Record<string, unknown>>;
    const kidB = headerOf(service.signAccessToken(CLAIMS).token).kid;
    const kidA = headerOf(serviceOf({ privateKey: ED_A.privatePem }).signAccessToken(CLAIMS).token).kid;
    expect(keys).toHaveLength(3);
    expect(keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: kidB, alg: 'ES256', use: 'sig' });
    expect(keys[1]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: kidA, alg: 'EdDSA', use: 'sig' });
    expect(keys[2]).toMatchObject({ kty: 'OKP', alg: 'EdDSA' });
    for (const k of keys) expect(k).not.toHaveProperty('d');
    expect(new Set(keys.map((k) => k.kid)).size).toBe(3);
  });

  it('rejects a token from an unrelated key that borrows a known kid', () => {
    const kidA = headerOf(serviceOf({ privateKey: ED_A.privatePem }).signAccessToken(CLAIMS).token).kid;
    const after = serviceOf({ privateKey: EC_B.privatePem, previousPublicKeys: ED_A.publicPem });
    expectInvalid(after, forge({ alg: 'EdDSA', typ: 'JWT', kid: kidA }, validPayload(), eddsa(ED_C.privateKey)));
  });

  it('publishes nothing with HS256, and ignores a duplicate of the current key', () => {
    expect(serviceOf({ secretKey: SECRET }).jwks()).toEqual({ keys: [] });
    expect(serviceOf({ privateKey: ED_A.privatePem, previousPublicKeys: ED_A.publicPem }).jwks().keys).toHaveLength(1);
  });

  it('still accepts kid-less HS256 tokens while migrating from JWT_SECRET_KEY to JWT_PRIVATE_KEY', () => {
    const { token } = serviceOf({ secretKey: SECRET }).signAccessToken(CLAIMS);
    const both = serviceOf({ secretKey: SECRET, privateKey: ED_A.privatePem });
    expect(headerOf(both.signAccessToken(CLAIMS).token).alg).toBe('EdDSA');
    expect(both.verifyAccessToken(token).sub).toBe(CLAIMS.sub);
    expectInvalid(serviceOf({ privateKey: ED_A.privatePem }), token);
    // The HMAC key is still the secret, never the public key.
    expectInvalid(both, forge({ alg: 'HS256', typ: 'JWT' }, validPayload(), hs256(ED_A.publicPem)));
  });

  it('computes RFC 7638 thumbprints (RFC 8037 A.3 vector)', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
  });

  it('refuses unsupported or invalid key material at startup', () => {
    expect(() => serviceOf({ privateKey: RSA.privatePem })).toThrow(/Ed25519 or an EC P-256/);
    expect(() => serviceOf({ privateKey: 'not a pem' })).toThrow(/JWT_PRIVATE_KEY/);
    expect(() => serviceOf({ privateKey: ED_A.privatePem, previousPublicKeys: 'garbage' })).toThrow(/JWT_PREVIOUS_PUBLIC_KEYS/);
    expect(() => serviceOf({ privateKey: ED_A.privatePem, previousPublicKeys: RSA.publicPem })).toThrow(/JWT_PREVIOUS_PUBLIC_KEYS/);
  });
});

describe('development signing key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jwt-dev-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once (0600), reused, and announced with a warning', () => {
    const file = path.join(dir, 'nested', 'dev-jwt-secret');
    const logger = { warn: vi.fn() };
    const first = loadJwtKeys(configOf({}), { devSecretFile: file, logger });
    expect(first.alg).toBe('HS256');
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toMatch(/development/);
    const secret = readFileSync(file, 'utf8');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = loadJwtKeys(configOf({}), { devSecretFile: file, logger: { warn: vi.fn() } });
    expect(second.signingKey.export().equals(first.signingKey.export())).toBe(true);
    expect(first.signingKey.export().toString('utf8')).toBe(secret);
  });

  it('is never used in production', () => {
    expect(() => loadJwtKeys(configOf({ nodeEnv: 'production' }), { devSecretFile: path.join(dir, 'prod'), logger: { warn: vi.fn() } })).toThrow(
      /required in production/,
    );
  });
});
