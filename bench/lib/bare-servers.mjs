// Ceilings for token-checked calls: a bare Fastify route and a bare grpc-js unary method,
// each in its own process like the service; and a bare NestJS hybrid app ('nest': HTTP on
// `port`, gRPC on `port + 1`), the framework's own floor.
import { fork } from 'node:child_process';

export function startBare(kind, port) {
  return new Promise((resolve, reject) => {
    const child = kind === 'nest'
      ? fork(new URL('./bare-nest-child.mjs', import.meta.url), [String(port), String(port + 1)])
      : fork(new URL('./bare-server-child.mjs', import.meta.url), [kind, String(port)]);
    child.once('message', () => resolve({ pid: child.pid, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) }));
    child.once('error', reject);
  });
}
