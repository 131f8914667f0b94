// Access-token micro-benchmark: TokenService.signAccessToken and verifyAccessToken, on a
// cache miss (a token's first call: signature and claims checked) and on a hit (its later
// calls), per algorithm. Loads TokenService from one or more built dist directories and
// runs them round by round in one process, interleaved, so that load from other processes
// on a shared machine falls on each build alike. Before comparing, each build verifies the
// other's tokens (same keys), so a faster build cannot be a broken one.
//
//   npm run build && node --expose-gc bench/jwt-verify.mjs                  # this build
//   node --expose-gc bench/jwt-verify.mjs /tmp/dist-before dist             # two builds, compared
//
// JWT_BENCH_ROUNDS (default 9) rounds; each figure is median (min-max) of the rounds. Times
// are this process's CPU time (user + system), not wall time: on a machine shared with
// other work, waiting for a core would otherwise count as cost. With --expose-gc each timed
// section starts on a collected heap and ends with a young-generation collection, so the
// garbage a section makes is charged to it and not to whichever section runs next.
import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './lib/server.mjs';
import { median, summary } from './lib/stats.mjs';

const ROUNDS = Number(process.env.JWT_BENCH_ROUNDS ?? 9);
const MISSES = 2000; // distinct tokens per service: fewer than the 4,096 the cache keeps
const SERVICES = 5; // fresh services (empty caches) per round and build
const HITS = 500_000;
const NOW = new Date('2030-01-01T00:00:00Z');

const dists = (process.argv.length > 2 ? process.argv.slice(2) : [path.join(ROOT, 'dist')]).map((d) => path.resolve(d));
const require = createRequire(import.meta.url);
const builds = dists.map((d) => ({ dist: d, TokenService: require(['modules/tokens/jwt/token.service.js', 'modules/auth/tokens/token.service.js'].map((f) => path.join(d, f)).find((f) => existsSync(f)) ?? path.join(d, 'modules/tokens/jwt/token.service.js')).TokenService }));

const secret = (value) => ({ reveal: () => value });
const pem = (type) => {
  const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
};
const KEYS = {
  HS256: { secretKey: secret('bench-secret-bench-secret-bench-secret-0123') },
  ES256: { privateKey: secret(pem('p256')) },
  EdDSA: { privateKey: secret(pem('ed25519')) },
};
const configOf = (keys) => ({ nodeEnv: 'production', jwt: { ...keys, issuer: 'auth-service', accessTokenTtlMinutes: 15 } });
const clock = { now: () => new Date(NOW.getTime()) };
const claims = (i) => ({
  sub: '0b6d6f1c-6a43-4d55-9c1e-3f3c1c1d2e01', sid: `5a1f4c2e-8b7d-4e9a-a2c3-${String(i).padStart(12, '0')}`, role: 'user',
  email: 'ada@example.com', name: 'Ada Lovelace', device_id: 'device-1', installation_id: 'f3c1c1d2-6a43-4d55-9c1e-0b6d6f1c2e01',
});

for (const [alg, keys] of Object.entries(KEYS)) {
  const services = builds.map((b) => new b.TokenService(configOf(keys), clock));
  for (const signer of services) {
    const { token } = signer.signAccessToken(claims(0));
    for (const verifier of services) if (verifier.verifyAccessToken(token).sid !== claims(0).sid) throw new Error(`${alg}: builds disagree`);
  }
}

const gc = globalThis.gc;
if (!gc) console.error('Run with node --expose-gc: without it, one section\'s garbage may be collected (and timed) in the next.');

/** CPU microseconds used by this process while calling fn n times. */
function cpuUs(n, fn) {
  gc?.();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn(i);
  gc?.({ type: 'minor' });
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

const results = {}; // alg -> dist -> { sign: [], miss: [], hit: [] }
for (let round = 0; round <= ROUNDS; round++) {
  for (const [alg, keys] of Object.entries(KEYS)) {
    // Alternating order, so that neither build always runs right after the other's garbage.
    for (const { dist, TokenService } of round % 2 ? [...builds].reverse() : builds) {
      let sign = 0;
      let miss = 0;
      let hit = 0;
      for (let s = 0; s < SERVICES; s++) {
        const service = new TokenService(configOf(keys), clock);
        const tokens = new Array(MISSES);
        sign += cpuUs(MISSES, (i) => (tokens[i] = service.signAccessToken(claims(i)).token));
        miss += cpuUs(MISSES, (i) => service.verifyAccessToken(tokens[i]));
        if (s === 0) hit = cpuUs(HITS, (i) => service.verifyAccessToken(tokens[i % 1000])) / HITS;
      }
      sign /= SERVICES * MISSES;
      miss /= SERVICES * MISSES;
      if (round === 0) continue; // warm-up
      const r = ((results[alg] ??= {})[dist] ??= { sign: [], miss: [], hit: [] });
      r.sign.push(sign);
      r.miss.push(miss);
      r.hit.push(hit);
    }
  }
}

console.log(`Node ${process.version}; ${ROUNDS} rounds after a warm-up; per round and build ${SERVICES * MISSES} tokens signed, each verified once (miss), and ${HITS} cached verifications (hit). CPU µs per call, median (min-max) of the rounds.\n`);
const base = dists[0];
console.log(`| alg | build | sign µs | verify, miss µs | verify, hit µs |${dists.length > 1 ? ' miss vs first | hit vs first |' : ''}`);
console.log(`|---|---|---|---|---|${dists.length > 1 ? '---|---|' : ''}`);
for (const [alg, byDist] of Object.entries(results)) {
  for (const dist of dists) {
    const r = byDist[dist];
    const vs = (k) => `${((median(r[k]) / median(byDist[base][k]) - 1) * 100).toFixed(0)} %`;
    console.log(`| ${alg} | ${path.relative(process.cwd(), dist) || '.'} | ${summary(r.sign, 2)} | ${summary(r.miss, 2)} | ${summary(r.hit, 3)} |${dists.length > 1 ? ` ${vs('miss')} | ${vs('hit')} |` : ''}`);
  }
}
