import { createSecretKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, jwtVerify, SignJWT, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/common/clock';
import { DomainError } from '../../src/common/errors/domain-error';
import type { AppConfig } from '../../src/config/app-config';
import { Secret } from '../../src/config/secret';
import { CLOCK_SKEW_SECONDS, TokenService } from '../../src/modules/tokens/jwt/token.service';

/**
 * Every algorithm against jose, an implementation independent of the ones the service
 * uses (@nestjs/jwt for HS256/ES256, node:crypto for EdDSA): each side verifies what
 * the other signed, with the same keys, and the same attacks fail.
 */
const ISSUER = 'auth-service';
const START = new Date('2030-01-01T00:00:00Z');
const START_S = START.getTime() / 1000;
const SECRET = 's'.repeat(40);
const ED = generateKeyPairSync('ed25519');
const EC = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

function serviceOf(jwt: { secretKey?: string; privateKey?: KeyObject }, clock = new ManualClock(START)): TokenService {
  const config = {
    nodeEnv: 'test',
    jwt: {
      secretKey: jwt.secretKey === undefined ? undefined : new Secret(jwt.secretKey),
      privateKey: jwt.privateKey === undefined ? undefined : new Secret(jwt.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      issuer: ISSUER,
      accessTokenTtlMinutes: 15,
    },
  } as unknown as AppConfig;
  return new TokenService(config, clock);
}

const claims = () => ({
  sub: randomUUID(), sid: randomUUID(), role: 'user', device_id: 'd', installation_id: randomUUID(),
  iss: ISSUER, aud: ISSUER, jti: randomUUID(), iat: START_S, nbf: START_S, exp: START_S + 900,
});

function expectInvalid(service: TokenService, token: string): void {
  expect(() => service.verifyAccessToken(token)).toThrow(DomainError);
}

const CASES = [
  { alg: 'HS256', config: { secretKey: SECRET }, signKey: createSecretKey(Buffer.from(SECRET)), verifyKey: createSecretKey(Buffer.from(SECRET)) },
  { alg: 'ES256', config: { privateKey: EC.privateKey }, signKey: EC.privateKey, verifyKey: EC.publicKey },
  { alg: 'EdDSA', config: { privateKey: ED.privateKey }, signKey: ED.privateKey, verifyKey: ED.publicKey },
] as const;

describe.each(CASES)('$alg against jose', ({ alg, config, signKey, verifyKey }) => {
  const kidOf = async () => (alg === 'HS256' ? undefined : calculateJwkThumbprint(verifyKey.export({ format: 'jwk' }) as JWK));

  it('jose verifies what the service signs', async () => {
    const service = serviceOf(config);
    const { token } = service.signAccessToken({ sub: 'u-1', sid: 's-1', role: 'user', device_id: 'd', installation_id: 'i' });
    const { payload, protectedHeader } = await jwtVerify(token, verifyKey, { algorithms: [alg], issuer: ISSUER, audience: ISSUER, currentDate: START });
    expect(payload).toMatchObject({ sub: 'u-1', sid: 's-1', iat: START_S, nbf: START_S, exp: START_S + 900 });
    expect(protectedHeader.kid).toBe(await kidOf());
  });

  it('the service verifies what jose signs, within the validity window only', async () => {
    const clock = new ManualClock(START);
    const service = serviceOf(config, clock);
    const body = claims();
    const kid = await kidOf();
    const token = await new SignJWT(body).setProtectedHeader(kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' }).sign(signKey);
    expect(service.verifyAccessToken(token)).toMatchObject({ sub: body.sub, sid: body.sid });
    clock.advance((900 + CLOCK_SKEW_SECONDS) * 1000);
    expectInvalid(service, token);
  });

  it('refuses what jose signs with another key, without the kid, or with a wrong issuer', async () => {
    const service = serviceOf(config);
    const kid = await kidOf();
    const header = kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' };
    const other =
      alg === 'HS256' ? createSecretKey(Buffer.from('o'.repeat(40))) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey : generateKeyPairSync('ed25519').privateKey;
    expectInvalid(service, await new SignJWT(claims()).setProtectedHeader(header).sign(other));
    expectInvalid(service, await new SignJWT({ ...claims(), iss: 'someone-else' }).setProtectedHeader(header).sign(signKey));
    expectInvalid(service, await new SignJWT({ ...claims(), aud: 'someone-else' }).setProtectedHeader(header).sign(signKey));
    if (kid) expectInvalid(service, await new SignJWT(claims()).setProtectedHeader({ alg, typ: 'JWT' }).sign(signKey));
  });
});
