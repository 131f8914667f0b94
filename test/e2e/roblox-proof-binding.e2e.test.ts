import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { clientInfo, credentials, PASSWORD, uniqueEmail } from '../support/factories';
import { startFakeRoblox, type FakeRoblox } from '../support/fake-roblox';
import { bearer, grpc, grpcClient, type GrpcError } from '../support/grpc-client';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';

/**
 * Roblox user ids are public. A profile-code proof must count only for the caller that
 * started it (the holder of its verification id), never for whoever polls SignIn /
 * SignUp / Link with the victim's Roblox id while the victim's profile shows the code.
 */

type Via = 'grpc' | 'rest';
type Operation = 'signIn' | 'signUp' | 'link';

/** One answer of either transport, reduced to what both must agree on. */
interface Outcome {
  readonly ok: boolean;
  /** gRPC status name (REST: the envelope's `status`). */
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
  /** The body (REST) or message (gRPC) of a success. */
  readonly value?: Record<string, any>;
}

let counter = 0;
function newRobloxId(): string {
  counter += 1;
  return String(7_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000 + counter);
}

/** A well-formed verification id nobody was given. */
const randomVerificationId = () => randomBytes(32).toString('base64url');

describe('Roblox proofs are bound to the verification that started them', () => {
  let app: TestApp;
  let roblox: FakeRoblox;
  let rpc: ReturnType<typeof grpcClient>;

  beforeAll(async () => {
    roblox = await startFakeRoblox();
    app = await bootTestApp({ ROBLOX_API_URL: roblox.url });
    rpc = grpcClient(app.grpcAddress, 'roblox.v1');
  });
  afterAll(async () => {
    rpc?.close();
    await app?.close();
    await roblox?.close();
  });

  async function start(id: string, via: Via): Promise<{ code: string; verificationId: string }> {
    if (via === 'grpc') return rpc.call('StartVerification', { robloxUserId: id });
    const res = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id } });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }

  /** The victim: starts a verification and pastes the code into their profile. */
  async function victimShowsCode(id: string, via: Via = 'rest') {
    const started = await start(id, via);
    roblox.setUser(id, { description: `My games!\n${started.code}` });
    return started;
  }

  async function emailAccount(): Promise<string> {
    const res = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('binder')) });
    expect(res.status, res.text).toBe(200);
    return res.body.tokens.accessToken as string;
  }

  /** Calls one proof-taking method; `verificationId` undefined leaves the field out. */
  async function attempt(op: Operation, via: Via, id: string, verificationId: string | undefined, token?: string): Promise<Outcome> {
    const proof = verificationId === undefined ? { robloxUserId: id } : { robloxUserId: id, verificationId };
    if (via === 'rest') {
      const path = { signIn: '/v1/roblox/signin', signUp: '/v1/roblox/signup', link: '/v1/roblox/link' }[op];
      const device = op === 'link' ? {} : { installationId: randomUUID(), clientInfo: clientInfo() };
      const res = await app.http('POST', path, { token, body: { ...proof, ...device } });
      if (res.status === 200) return { ok: true, value: res.body };
      const reason = (res.body.error.details ?? []).find((d: { reason?: string }) => d.reason)?.reason;
      return { ok: false, status: res.body.error.status, reason, message: res.body.error.message };
    }
    const method = { signIn: 'SignInWithRoblox', signUp: 'SignUpWithRoblox', link: 'LinkRobloxAccount' }[op];
    const device = op === 'link' ? {} : { installationId: { value: randomUUID() }, clientInfo: clientInfo() };
    return rpc.call(method, { ...proof, ...device }, token ? bearer(token) : {}).then(
      (value) => ({ ok: true, value }),
      (e: GrpcError) => ({ ok: false, status: grpc.status[e.code], reason: e.reason, message: e.details }),
    );
  }

  /** What a caller hears when the Roblox id has no live code at all. */
  async function noLiveCode(op: Operation, via: Via, token?: string): Promise<Outcome> {
    const id = newRobloxId();
    roblox.setUser(id, { description: 'nothing started' });
    const outcome = await attempt(op, via, id, undefined, token);
    expect(outcome).toMatchObject({ ok: false, status: 'FAILED_PRECONDITION', reason: 'ROBLOX_CODE_NOT_FOUND' });
    return outcome;
  }

  const succeeded = (op: Operation, outcome: Outcome) =>
    outcome.ok && (op === 'link' ? outcome.value?.identity?.robloxUserId !== undefined : outcome.value?.status === 'AUTH_STATUS_SUCCESS');

  const cases: { op: Operation; via: Via }[] = (['signIn', 'signUp', 'link'] as const).flatMap((op) => (['grpc', 'rest'] as const).map((via) => ({ op, via })));

  it.each(cases)('$op over $via: another client, without the id or with a random one, is told "no live code"; the initiator succeeds once', async ({ op, via }) => {
    const id = newRobloxId();
    const attackerToken = op === 'link' ? await emailAccount() : undefined;
    const victimToken = op === 'link' ? await emailAccount() : undefined;
    if (op === 'signIn') {
      // The victim's account exists already (proven by an earlier verification of their own).
      const earlier = await victimShowsCode(id);
      const signUp = await attempt('signUp', 'rest', id, earlier.verificationId);
      expect(signUp.value?.status, JSON.stringify(signUp)).toBe('AUTH_STATUS_SUCCESS');
    }
    const baseline = await noLiveCode(op, via, attackerToken);

    // The profile shows the live code now; the attacker polls with the victim's public id.
    const victim = await victimShowsCode(id, via === 'grpc' ? 'rest' : 'grpc');
    for (const stolen of [undefined, '', randomVerificationId()]) {
      const outcome = await attempt(op, via, id, stolen, attackerToken);
      expect(outcome, `verification id ${JSON.stringify(stolen)}`).toEqual(baseline);
    }
    // The attacker's tries spent nothing: the initiator's proof still works, exactly once.
    const first = await attempt(op, via, id, victim.verificationId, victimToken);
    expect(succeeded(op, first), JSON.stringify(first)).toBe(true);
    if (op !== 'signUp') expect(first.value?.user?.robloxUserId ?? first.value?.identity?.robloxUserId).toBe(id);
    // The spent id is worth nothing afterwards, whoever replays it (a link replays from another
    // account: the victim's own is linked now and would be refused for that first).
    const replay = await attempt(op, via, id, victim.verificationId, op === 'link' ? attackerToken : undefined);
    expect(replay).toMatchObject({ ok: false, status: 'FAILED_PRECONDITION', reason: 'ROBLOX_CODE_NOT_FOUND', message: baseline.message });
  });

  it('of 40 parallel sign-ins racing on one code, half of them without the id or with a random one, only one with the id succeeds', async () => {
    const id = newRobloxId();
    const first = await victimShowsCode(id);
    expect((await attempt('signUp', 'grpc', id, first.verificationId)).value?.status).toBe('AUTH_STATUS_SUCCESS');
    const victim = await victimShowsCode(id);
    expect(victim.verificationId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const tries = Array.from({ length: 40 }, (_, i) => ({
      via: (i % 2 === 0 ? 'rest' : 'grpc') as Via,
      verificationId: i % 4 < 2 ? victim.verificationId : i % 8 < 4 ? undefined : randomVerificationId(),
    }));
    const outcomes = await Promise.all(tries.map((t) => attempt('signIn', t.via, id, t.verificationId)));
    const winners = tries.filter((_, i) => succeeded('signIn', outcomes[i]));
    expect(winners).toHaveLength(1);
    expect(winners[0].verificationId).toBe(victim.verificationId);
    expect(outcomes.filter((o) => o.reason === 'ROBLOX_CODE_NOT_FOUND')).toHaveLength(39);
    expect(outcomes.filter((_, i) => tries[i].verificationId !== victim.verificationId).every((o) => o.reason === 'ROBLOX_CODE_NOT_FOUND')).toBe(true);
  });

  it('StartVerification answers a 256-bit verification id on both transports, stored only as SHA-256, documented in OpenAPI', async () => {
    const id = newRobloxId();
    const rest = await app.http('POST', '/v1/roblox/verifications', { body: { robloxUserId: id } });
    expect(rest.body.verificationId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(rest.body.verificationId, 'base64url')).toHaveLength(32);
    const doc = (await app.http('GET', '/api-docs/openapi.json')).body;
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/roblox/verifications', 200), rest.body)).toEqual([]);
    expect(doc.components.schemas.StartVerificationResponseView.required).toContain('verificationId');
    for (const request of ['SignInWithRobloxRequestDto', 'SignUpWithRobloxRequestDto', 'LinkRobloxAccountRequestDto']) {
      expect(doc.components.schemas[request].properties.verificationId, request).toMatchObject({ type: 'string' });
    }

    const [row] = await app.db.sql<{ verification_hash: Buffer }>('SELECT verification_hash FROM roblox_verification_codes WHERE roblox_user_id = $1', [id]);
    expect(row.verification_hash.equals(createHash('sha256').update(rest.body.verificationId).digest())).toBe(true);
    const stored = JSON.stringify(await app.db.sql('SELECT * FROM roblox_verification_codes WHERE roblox_user_id = $1', [id]));
    expect(stored).not.toContain(rest.body.verificationId);
    expect(stored).not.toContain(Buffer.from(rest.body.verificationId, 'base64url').toString('hex'));

    const viaGrpc = await rpc.call('StartVerification', { robloxUserId: id });
    expect(viaGrpc.verificationId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(viaGrpc.verificationId).not.toBe(rest.body.verificationId);
  });

  it('a new StartVerification for the id retires the old verification id; the starter of the new one cannot use the old code', async () => {
    const id = newRobloxId();
    const victim = await victimShowsCode(id);
    const baseline = await noLiveCode('signUp', 'rest');
    // The attacker starts a verification of their own for the victim's id.
    const attacker = await start(id, 'grpc');
    // Their verification id does not prove the code in the victim's profile...
    for (const via of ['rest', 'grpc'] as const) {
      expect(await attempt('signUp', via, id, attacker.verificationId)).toMatchObject({ ok: false, reason: 'ROBLOX_CODE_NOT_IN_PROFILE' });
    }
    // ...and the victim's old one stopped working with the replaced code.
    expect(await attempt('signUp', 'rest', id, victim.verificationId)).toEqual(baseline);
    expect(await app.db.sql('SELECT 1 FROM users WHERE roblox_user_id = $1', [id])).toHaveLength(0);
    // The victim starts again and gets in.
    const again = await victimShowsCode(id);
    expect(succeeded('signUp', await attempt('signUp', 'grpc', id, again.verificationId))).toBe(true);
  });

  it('an expired verification is refused like no live code, with the right id', async () => {
    const id = newRobloxId();
    const victim = await victimShowsCode(id);
    const baseline = await noLiveCode('signUp', 'grpc');
    app.clock.advance(60 * 60_000 + 1);
    expect(await attempt('signUp', 'grpc', id, victim.verificationId)).toEqual(baseline);
  });

  it('password sign-in by Roblox id needs no verification id and ignores one', async () => {
    const id = newRobloxId();
    const victim = await victimShowsCode(id);
    const res = await app.http('POST', '/v1/roblox/signup', {
      body: { robloxUserId: id, verificationId: victim.verificationId, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo() },
    });
    expect(res.body.status, res.text).toBe('AUTH_STATUS_SUCCESS');
    const rest = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, password: PASSWORD, installationId: randomUUID(), clientInfo: clientInfo() } });
    expect(rest.body.status).toBe('AUTH_STATUS_SUCCESS');
    const viaGrpc = await rpc.call('SignInWithRoblox', {
      robloxUserId: id, password: PASSWORD, verificationId: randomVerificationId(), installationId: { value: randomUUID() }, clientInfo: clientInfo(),
    });
    expect(viaGrpc.status).toBe('AUTH_STATUS_SUCCESS');
  });

  it('refuses a malformed verification id as a field error on both transports', async () => {
    const id = newRobloxId();
    for (const bad of ['x'.repeat(200), 'not base64url!', 'a\u0000b']) {
      const rest = await app.http('POST', '/v1/roblox/signin', { body: { robloxUserId: id, verificationId: bad, installationId: randomUUID(), clientInfo: clientInfo() } });
      expect(rest.status, bad).toBe(400);
      expect(rest.body.error.status).toBe('INVALID_ARGUMENT');
      expect(rest.body.error.details.find((d: any) => d.fieldViolations)?.fieldViolations.map((v: any) => v.field)).toContain('verificationId');
      const err = await rpc.call('LinkRobloxAccount', { robloxUserId: id, verificationId: bad }, bearer(await emailAccount())).then(
        () => { throw new Error('expected INVALID_ARGUMENT'); },
        (e: GrpcError) => e,
      );
      expect(err.code, bad).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.fieldViolations.map((v) => v.field)).toContain('verification_id');
    }
  });
});
