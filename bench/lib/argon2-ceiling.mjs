// Child process: argon2id verifies/s with the service's parameters, `concurrency` in flight.
import argon2 from 'argon2';

const [durationMs, concurrency] = process.argv.slice(2).map(Number);
const hash = await argon2.hash('bench-password-1', { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
await argon2.verify(hash, 'bench-password-1');
let done = 0;
const until = Date.now() + durationMs;
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < until) {
      await argon2.verify(hash, 'bench-password-1');
      done++;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
process.send({ rate: done / seconds });
process.exit(0);
