import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One `// REST: METHOD /path` comment of a proto rpc. */
export interface ProtoRestRoute {
  /** Lower-case HTTP method, as OpenAPI path items name them. */
  readonly method: string;
  /** The route in OpenAPI form with the JSON names Nest uses: `{user_id.value}` becomes `{userId}`. */
  readonly path: string;
  /** e.g. `AuthService` */
  readonly service: string;
  /** e.g. `Authenticate` */
  readonly rpc: string;
  /** The proto package's version, e.g. `v1` */
  readonly version: string;
  /** The response message, e.g. `google.protobuf.Empty`; server streams are `stream User`. */
  readonly returns: string;
  /** e.g. `AuthService_Authenticate`, `AuthService_Authenticate_v2`, `PortfolioService_GetProfile_ByRobloxUserId` */
  readonly operationId: string;
}

const REST_COMMENT = /^\s*\/\/\s*REST:\s*(GET|POST|PUT|PATCH|DELETE)\s+(\/\S+)/;
const RPC = /^\s*rpc\s+(\w+)\s*\([^)]*\)\s*returns\s*\(\s*((?:stream\s+)?[\w.]+)\s*\)/;
const SERVICE = /^\s*service\s+(\w+)\s*\{/;
const PACKAGE = /^\s*package\s+[\w.]*?\.?(v\d+)\s*;/;

/**
 * The REST routes the proto files name, each with the operationId of its RPC. The
 * proto comments are the contract's single list of routes (test/contract checks them
 * against the seed), so operation ids follow the RPC names clients already use on gRPC.
 */
export function readProtoRestRoutes(protoDir: string): ProtoRestRoute[] {
  const found: Omit<ProtoRestRoute, 'operationId'>[] = [];
  for (const file of protoFiles(protoDir)) {
    let version = 'v1';
    let service = '';
    let pending: { method: string; path: string }[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const pkg = PACKAGE.exec(line);
      if (pkg) version = pkg[1];
      const svc = SERVICE.exec(line);
      if (svc) service = svc[1];
      const rest = REST_COMMENT.exec(line);
      if (rest) pending.push({ method: rest[1].toLowerCase(), path: openApiPath(rest[2]) });
      const rpc = RPC.exec(line);
      if (rpc) {
        for (const route of pending) found.push({ ...route, service, rpc: rpc[1], version, returns: rpc[2].replace(/\s+/g, ' ') });
        pending = [];
      } else if (!rest && !/^\s*\/\//.test(line)) {
        pending = [];
      }
    }
  }
  return found.map((route) => {
    const twins = found.filter((r) => r.service === route.service && r.rpc === route.rpc && r.version === route.version);
    const base = `${route.service}_${route.rpc}${route.version === 'v1' ? '' : `_${route.version}`}`;
    // An RPC served on two routes (GetProfile by account id or by Roblox user id) gets one id per route.
    return { ...route, operationId: twins.length > 1 ? `${base}_By${pascal(lastParam(route.path))}` : base };
  });
}

function protoFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return protoFiles(full);
    return entry.name.endsWith('.proto') ? [full] : [];
  });
}

/** `/v1/users/{user_id.value}/password` -> `/v1/users/{userId}/password` */
function openApiPath(protoPath: string): string {
  return protoPath.replace(/\{([^}]+)\}/g, (_, field: string) => `{${camel(field.split('.')[0])}}`);
}

function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function lastParam(openApiRoute: string): string {
  const params = [...openApiRoute.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return params[params.length - 1] ?? 'Route';
}
