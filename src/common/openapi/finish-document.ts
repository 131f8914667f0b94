import { DECORATORS, type OpenAPIObject } from '@nestjs/swagger';
import { IS_READ_ONLY, REQUIRED_PERMISSIONS } from '../auth/auth.decorators';
import { ACCEPTS_CALLER, IS_PUBLIC } from '../auth/public.decorator';
import { RATE_LIMIT_BUCKET } from '../rate-limit/rate-limited.decorator';
import { ERROR_SCHEMA, errorHeaders, errorReasonsOf, errorResponses, errorSchemas, type OperationTraits } from './error-responses';
import { RPC_ERRORS } from './operation-errors';
import type { ProtoRestRoute } from './proto-rest-routes';
import { routeKey, type RouteHandler } from './route-handlers';

type Json = Record<string, any>;

/** Descriptions of the tags the controllers use (@ApiTags); a tag missing here is a tag-description lint warning. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  auth: 'auth.v1 / auth.v2 AuthService: sign-up, sign-in, tokens, password recovery, email verification',
  sessions: 'auth.v1 / auth.v2 AuthService: the caller\'s sessions',
  mfa: 'auth.v1 / auth.v2 AuthService: TOTP second factor and recovery codes',
  users: 'users.v1 / users.v2 UserService: administration and self-service of accounts; list streams as SSE or NDJSON',
  roblox: 'roblox.v1 RobloxService: proving, signing up and signing in with a Roblox identity',
  portfolio: 'portfolio.v1 PortfolioService: public profiles, experiences and skills',
  oauth: 'auth.v1 / auth.v2 AuthService: social sign-in with Google, Microsoft, Apple, GitHub, Facebook or an OpenID provider (OAuth 2.0 / OpenID Connect)',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
export const BEARER_SCHEME = 'bearer';

/**
 * Completes what @nestjs/swagger generates from the controllers, in one place rather
 * than on each of ~80 handlers, keyed by method and path:
 * - operationId: the RPC's (from the proto `// REST:` comments), `_v2` for the v2 twins;
 * - security: `[]` for @Public() handlers (`[{}, bearer]` when they also take a token), the bearer scheme for the rest;
 * - path parameters the handler does not declare;
 * - the error responses each operation can answer, all with the one envelope;
 * - streams (SSE / NDJSON) and their resumption as they behave;
 * - servers, tags, and no schema that nothing uses.
 * Throws when an operation has no handler: the document would not describe the server.
 */
export function finishOpenApiDocument(document: OpenAPIObject, handlers: Map<string, RouteHandler>, protoRoutes: readonly ProtoRestRoute[]): OpenAPIObject {
  const doc = structuredClone(document) as Json;
  const rpcOf = new Map(protoRoutes.map((r) => [routeKey(r.method, r.path), r]));
  const tags = new Set<string>();

  for (const [path, item] of Object.entries<Json>(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      const key = routeKey(method, path);
      const handler = handlers.get(key);
      if (!handler) throw new Error(`OpenAPI: no handler serves ${key}`);
      const rpc = rpcOf.get(key);
      op.operationId = explicitOperationId(handler) ?? rpc?.operationId ?? fallbackOperationId(handler);
      const isPublic = Reflect.getMetadata(IS_PUBLIC, handler.handler) === true;
      // A public method that also takes a token (GetOAuthUrl: a link flow) says the token is optional.
      const acceptsCaller = Reflect.getMetadata(ACCEPTS_CALLER, handler.handler) === true;
      op.security = isPublic ? (acceptsCaller ? [{}, { [BEARER_SCHEME]: [] }] : []) : [{ [BEARER_SCHEME]: [] }];
      declarePathParameters(op, path);
      describeSuccess(op);
      // Error responses are computed, never hand-declared: drop what decorators said.
      for (const status of Object.keys(op.responses ?? {})) if (Number(status) >= 400) delete op.responses[status];
      op.responses = { ...op.responses, ...errorResponses(errorReasonsOf(traitsOf(op, path, handler, rpc))) };
      for (const tag of op.tags ?? []) tags.add(tag);
    }
  }

  doc.components ??= {};
  for (const [name, schema] of Object.entries(errorSchemas())) {
    if (doc.components.schemas?.[name]) throw new Error(`OpenAPI: a DTO is already named ${name}`);
    doc.components.schemas = { ...doc.components.schemas, [name]: schema };
  }
  doc.components.headers = { ...doc.components.headers, ...errorHeaders() };
  // Relative: the API is served by the host that serves this document (no public base URL is configured).
  doc.servers = [{ url: '/', description: 'The host serving this document' }];
  doc.tags = [...tags].sort().map((name) => (TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name }));
  pruneUnusedSchemas(doc);
  return doc as OpenAPIObject;
}

function traitsOf(op: Json, path: string, route: RouteHandler, rpc: ProtoRestRoute | undefined): OperationTraits {
  const permissions = Reflect.getMetadata(REQUIRED_PERMISSIONS, route.handler) as string[] | undefined;
  return {
    isPublic: Reflect.getMetadata(IS_PUBLIC, route.handler) === true,
    // The guard reads the session unless the handler is @ReadOnly without permissions (jwt-auth.guard.ts).
    sessionChecked: Reflect.getMetadata(IS_READ_ONLY, route.handler) !== true || permissions !== undefined,
    requiresPermissions: (permissions?.length ?? 0) > 0,
    rateLimited: Reflect.getMetadata(RATE_LIMIT_BUCKET, route.handler) !== undefined,
    hasBody: op.requestBody !== undefined,
    hasInput: op.requestBody !== undefined || (op.parameters ?? []).length > 0,
    hasPathParameters: path.includes('{'),
    domainErrors: rpc ? RPC_ERRORS[`${rpc.service}.${rpc.rpc}`] ?? [] : [],
  };
}

function explicitOperationId(route: RouteHandler): string | undefined {
  return (Reflect.getMetadata(DECORATORS.API_OPERATION, route.handler) as { operationId?: string } | undefined)?.operationId;
}

/** Routes without an RPC (the email verification page): controller and handler, e.g. `VerifyEmail_page`. */
function fallbackOperationId(route: RouteHandler): string {
  return `${route.controller.name.replace(/(Http)?Controller$/, '')}_${route.handlerName}`;
}

function declarePathParameters(op: Json, path: string): void {
  const declared = new Set((op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name));
  for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
    if (!declared.has(name)) (op.parameters ??= []).push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
}

function describeSuccess(op: Json): void {
  for (const [status, response] of Object.entries<Json>(op.responses ?? {})) {
    if (status === '200' && response.content?.['text/event-stream']) describeStream(op, response);
    else if (!response.description) response.description = status === '204' ? 'Done; no content' : 'OK';
  }
}

/**
 * users.v1 ListUsers / ListUsersInfo over HTTP (streamToHttp): SSE by default, NDJSON
 * with `Accept: application/x-ndjson`. Each event's data / each line is an item, or,
 * when the stream fails after it has started, a last ErrorResponse (SSE `event: error`).
 */
function describeStream(op: Json, response: Json): void {
  const item = response.content['text/event-stream'].schema;
  const each = { oneOf: [item, { $ref: `#/components/schemas/${ERROR_SCHEMA}` }] };
  response.description =
    'A stream of items. SSE (default): one event per item, `id: <item id>` and `data: <item JSON>`; a failure after the stream ' +
    'has started ends it with `event: error` whose data is an ErrorResponse. NDJSON (`Accept: application/x-ndjson`): one item ' +
    'JSON per line; a failure ends it with an ErrorResponse line. A failure before the first item is an ordinary JSON error answer.';
  response.content = {
    'text/event-stream': { schema: each },
    'application/x-ndjson': { schema: each },
  };
  if ((op.parameters ?? []).some((p: Json) => p.in === 'header' && /^last-event-id$/i.test(p.name))) {
    op.responses['204'] = { description: 'A resumed SSE stream (Last-Event-ID) with nothing after that item: tells EventSource to stop reconnecting' };
  }
}

/** Schemas no operation reaches (DTOs only gRPC handlers use) would be dead weight for generators. */
function pruneUnusedSchemas(doc: Json): void {
  const schemas: Json = doc.components?.schemas ?? {};
  const reached = new Set<string>();
  const queue: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) queue.push(value.slice('#/components/schemas/'.length));
      else if (key === 'discriminator' && value && typeof value === 'object') {
        for (const target of Object.values<unknown>((value as Json).mapping ?? {})) {
          if (typeof target === 'string') queue.push(target.replace('#/components/schemas/', ''));
        }
      } else visit(value);
    }
  };
  visit({ ...doc, components: { ...doc.components, schemas: {} } });
  while (queue.length) {
    const name = queue.pop()!;
    if (reached.has(name) || !schemas[name]) continue;
    reached.add(name);
    visit(schemas[name]);
  }
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}
