import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import 'reflect-metadata';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { describe, expect, it } from 'vitest';
import { IS_READ_ONLY, REQUIRED_PERMISSIONS } from '../../src/common/auth/auth.decorators';
import { ACCEPTS_CALLER, IS_PUBLIC } from '../../src/common/auth/public.decorator';
import { SERVED_GRPC_SERVICES } from '../../src/common/grpc/served-services';
import { RATE_LIMIT_BUCKET, RATE_LIMIT_BY } from '../../src/common/rate-limit/rate-limited.decorator';
import { APP_ROOT } from '../../src/paths';

/**
 * Transport parity, checked rather than hoped for: every RPC of every served service has a
 * gRPC handler and a REST handler (the route its proto comment names), and both carry the
 * same policy (public, read-only, permissions, rate-limit bucket and key), so a decorator
 * forgotten on one side fails here.
 */
type Handler = { owner: string; fn: (...args: unknown[]) => unknown };
const POLICY_KEYS = { public: IS_PUBLIC, acceptsCaller: ACCEPTS_CALLER, readOnly: IS_READ_ONLY, permissions: REQUIRED_PERMISSIONS, bucket: RATE_LIMIT_BUCKET, by: RATE_LIMIT_BY };

function policyOf(h: Handler): Record<string, unknown> {
  return Object.fromEntries(Object.entries(POLICY_KEYS).map(([name, key]) => [name, Reflect.getMetadata(key, h.fn) ?? null]));
}

/** `/v1/users/{user_id.value}` and `/v1/users/:userId` are the same route. */
function routeKey(method: string, route: string): string {
  const segments = route.split('/').filter(Boolean).map((s) => (s.startsWith(':') || s.startsWith('{') ? '*' : s));
  return `${method.toUpperCase()} /${segments.join('/')}`;
}

/** rpc name -> the REST routes named by the `// REST: METHOD /path` comments above it. */
function restRoutesOf(protoFile: string): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  let pending: string[] = [];
  for (const line of readFileSync(path.join(APP_ROOT, 'proto', protoFile), 'utf8').split('\n')) {
    const rest = /^\s*\/\/ REST: (GET|POST|PUT|PATCH|DELETE) (\/\S+)/.exec(line);
    if (rest) pending.push(routeKey(rest[1], rest[2]));
    const rpc = /^\s*rpc (\w+)\(/.exec(line);
    if (rpc) {
      routes.set(rpc[1], pending);
      pending = [];
    }
  }
  return routes;
}

async function controllers(): Promise<Function[]> {
  const dir = path.join(APP_ROOT, 'src', 'modules');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => /controllers?\.ts$/.test(f));
  const classes: Function[] = [];
  for (const f of files) {
    for (const value of Object.values(await import(path.join(dir, f)))) {
      if (typeof value === 'function' && Reflect.getMetadata(PATH_METADATA, value) !== undefined) classes.push(value);
    }
  }
  return classes;
}

async function handlers(): Promise<{ grpc: Map<string, Handler>; rest: Map<string, Handler> }> {
  const grpc = new Map<string, Handler>();
  const rest = new Map<string, Handler>();
  for (const cls of await controllers()) {
    const base = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
    for (const name of Object.getOwnPropertyNames(cls.prototype)) {
      const fn = Object.getOwnPropertyDescriptor(cls.prototype, name)?.value;
      if (typeof fn !== 'function' || name === 'constructor') continue;
      const handler = { owner: `${cls.name}.${name}`, fn };
      for (const pattern of ([] as Array<{ service?: string; rpc?: string }>).concat(Reflect.getMetadata(PATTERN_METADATA, fn) ?? [])) {
        if (pattern?.service && pattern.rpc) grpc.set(`${pattern.service}.${pattern.rpc}`, handler);
      }
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      const sub = Reflect.getMetadata(PATH_METADATA, fn) as string | string[] | undefined;
      if (method === undefined || sub === undefined) continue;
      for (const b of base) for (const s of ([] as string[]).concat(sub)) rest.set(routeKey(RequestMethod[method], `/${b}/${s}`), handler);
    }
  }
  return { grpc, rest };
}

describe('transport parity', () => {
  it('binds every RPC on both transports with the same policy', async () => {
    const { grpc, rest } = await handlers();
    const problems: string[] = [];
    let compared = 0;
    for (const { pkg, service, protoFile } of SERVED_GRPC_SERVICES) {
      for (const [rpc, routes] of restRoutesOf(protoFile)) {
        const name = `${pkg}.${service}/${rpc}`;
        const g = grpc.get(`${service}.${rpc}`);
        if (!g) problems.push(`${name}: no gRPC handler`);
        if (routes.length === 0) problems.push(`${name}: the proto names no REST route`);
        for (const route of routes) {
          const r = rest.get(route);
          if (!r) {
            problems.push(`${name}: no REST handler for ${route}`);
            continue;
          }
          if (!g) continue;
          compared++;
          const [gp, rp] = [policyOf(g), policyOf(r)];
          if (JSON.stringify(gp) !== JSON.stringify(rp)) {
            problems.push(`${name}: ${g.owner} ${JSON.stringify(gp)} but ${route} (${r.owner}) ${JSON.stringify(rp)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThanOrEqual(83);
  });
});
