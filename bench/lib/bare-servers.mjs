// Ceilings for token-checked calls: a bare Fastify route and a bare grpc-js unary method,
// each in its own process like the service; and a bare NestJS hybrid app ('nest': HTTP on
// `port`, gRPC on `port + 1`), the framework's own floor.
import { fork } from 'node:child_process';
import { HEAP_FLAGS, PORT_OFFSET, START_ENV } from './server.mjs';

export function startBare(kind, basePort) {
  const port = basePort + PORT_OFFSET;
  return new Promise((resolve, reject) => {
    const child = kind === 'nest'
      // The floor runs with the service's own node flags and malloc setting, so the ratio
      // to it measures the service's code, not its heap sizing.
      ? fork(new URL('./bare-nest-child.mjs', import.meta.url), [String(port), String(port + 1)], { execArgv: HEAP_FLAGS, env: { ...process.env, ...START_ENV } })
      : fork(new URL('./bare-server-child.mjs', import.meta.url), [kind, String(port)]);
    child.once('message', () => resolve({ pid: child.pid, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) }));
    child.once('error', reject);
  });
}
