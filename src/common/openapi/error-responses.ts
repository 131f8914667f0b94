import { ERROR_KIND, type ErrorCode } from '../errors/error-codes';
import { GRPC_STATUS, GRPC_STATUS_NAME, HTTP_STATUS_OF_GRPC } from '../errors/error-kinds';
import { ERROR_DOMAIN } from '../errors/grpc-status-details';

type Json = Record<string, any>;

/** The one error envelope of API.md; every error response of every operation points at it. */
export const ERROR_SCHEMA = 'ErrorResponse';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const TYPE_PREFIX = 'type.googleapis.com/google.rpc.';

/** What rest-error-body.ts sends: the envelope and the google.rpc detail shapes in their JSON mapping. */
export function errorSchemas(): Json {
  const detail = (name: string, description: string, properties: Json, required: string[]): Json => ({
    type: 'object',
    description,
    required: ['@type', ...required],
    properties: { '@type': { type: 'string', const: `${TYPE_PREFIX}${name}` }, ...properties },
  });
  return {
    [ERROR_SCHEMA]: {
      type: 'object',
      description: 'The body of every error answer (API.md): a google.rpc.Status in the proto3 JSON mapping, under `error`.',
      required: ['error'],
      properties: { error: ref('ErrorStatus') },
      examples: [
        {
          error: {
            code: 400,
            status: 'INVALID_ARGUMENT',
            message: 'Invalid request: password',
            details: [
              { '@type': `${TYPE_PREFIX}ErrorInfo`, reason: 'VALIDATION_FAILED', domain: ERROR_DOMAIN },
              { '@type': `${TYPE_PREFIX}BadRequest`, fieldViolations: [{ field: 'password', description: 'password must be longer than or equal to 8 characters' }] },
            ],
          },
        },
      ],
    },
    ErrorStatus: {
      type: 'object',
      required: ['code', 'status', 'message', 'details'],
      properties: {
        code: { type: 'integer', description: 'The HTTP status of the answer', minimum: 400, maximum: 599 },
        status: {
          type: 'string',
          description: 'The gRPC status name the same error has on gRPC',
          enum: Object.values(GRPC_STATUS_NAME).filter((name) => name !== 'OK'),
        },
        message: { type: 'string', description: 'For humans; branch on ErrorInfo.reason instead. Internal errors carry no internal detail.' },
        details: { type: 'array', items: ref('ErrorDetail'), description: 'Always an ErrorInfo first; BadRequest with field violations and RetryInfo when they apply' },
      },
    },
    ErrorDetail: {
      oneOf: [ref('ErrorInfo'), ref('BadRequest'), ref('RetryInfo')],
      discriminator: {
        propertyName: '@type',
        mapping: {
          [`${TYPE_PREFIX}ErrorInfo`]: '#/components/schemas/ErrorInfo',
          [`${TYPE_PREFIX}BadRequest`]: '#/components/schemas/BadRequest',
          [`${TYPE_PREFIX}RetryInfo`]: '#/components/schemas/RetryInfo',
        },
      },
    },
    ErrorInfo: detail(
      'ErrorInfo',
      'The stable reason of the error: an error code of the service (also the `error-code` header) or a framework reason (FST_ERR_…, HTTP_…)',
      {
        reason: { type: 'string', examples: ['SESSION_NOT_FOUND'] },
        domain: { type: 'string', const: ERROR_DOMAIN },
        metadata: { type: 'object', additionalProperties: { type: 'string' } },
      },
      ['reason', 'domain'],
    ),
    BadRequest: detail(
      'BadRequest',
      'The invalid fields, named by their JSON path in the request',
      { fieldViolations: { type: 'array', items: ref('FieldViolation') } },
      ['fieldViolations'],
    ),
    FieldViolation: {
      type: 'object',
      required: ['field', 'description'],
      properties: { field: { type: 'string', examples: ['clientInfo.deviceId'] }, description: { type: 'string' } },
    },
    RetryInfo: detail(
      'RetryInfo',
      'How long to wait before retrying; the same delay as the Retry-After header',
      { retryDelay: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?s$', description: 'A proto3 JSON Duration', examples: ['30s'] } },
      ['retryDelay'],
    ),
  };
}

export function errorHeaders(): Json {
  return {
    RetryAfter: { description: 'Seconds to wait before retrying (also a RetryInfo detail)', required: true, schema: { type: 'integer', minimum: 1 } },
    RetryAfterWhenKnown: { description: 'Seconds to wait before retrying, when known (also a RetryInfo detail)', schema: { type: 'integer', minimum: 1 } },
    ErrorCode: { description: 'ErrorInfo.reason of the body, for clients that only read headers', schema: { type: 'string' } },
  };
}

/** What an operation is, as far as the errors it can answer go. */
export interface OperationTraits {
  readonly isPublic: boolean;
  /** The guard reads the session and the account's status (every authenticated handler that is not @ReadOnly). */
  readonly sessionChecked: boolean;
  readonly requiresPermissions: boolean;
  readonly rateLimited: boolean;
  readonly hasBody: boolean;
  readonly hasInput: boolean;
  readonly hasPathParameters: boolean;
  /** From RPC_ERRORS; empty for routes without an RPC. */
  readonly domainErrors: readonly ErrorCode[];
}

/** Reasons sent by Fastify (they never reach a service) with their status. */
const FRAMEWORK = {
  malformed: { status: 400, reason: 'FST_ERR_BAD_URL' },
  paramTooLong: { status: 414, reason: 'FST_ERR_MAX_PARAM_LENGTH' },
  invalidJson: { status: 400, reason: 'FST_ERR_CTP_INVALID_JSON_BODY' },
  tooLarge: { status: 413, reason: 'FST_ERR_CTP_BODY_TOO_LARGE' },
  mediaType: { status: 415, reason: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' },
} as const;

function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_OF_GRPC[GRPC_STATUS[ERROR_KIND[code]]] ?? 500;
}

/** HTTP status -> the reasons (ErrorInfo.reason) the operation can answer with it. */
export function errorReasonsOf(traits: OperationTraits): Map<number, string[]> {
  const reasons = new Map<number, Set<string>>();
  const add = (status: number, reason: string) => {
    if (!reasons.has(status)) reasons.set(status, new Set());
    reasons.get(status)!.add(reason);
  };
  const addCode = (code: ErrorCode) => add(httpStatusOf(code), code);

  // Any route: a URL Fastify cannot parse is refused before routing.
  add(FRAMEWORK.malformed.status, FRAMEWORK.malformed.reason);
  if (traits.hasInput) addCode('VALIDATION_FAILED');
  if (traits.hasPathParameters) add(FRAMEWORK.paramTooLong.status, FRAMEWORK.paramTooLong.reason);
  if (traits.hasBody) {
    add(FRAMEWORK.invalidJson.status, FRAMEWORK.invalidJson.reason);
    add(FRAMEWORK.tooLarge.status, FRAMEWORK.tooLarge.reason);
    add(FRAMEWORK.mediaType.status, FRAMEWORK.mediaType.reason);
  }
  if (!traits.isPublic) {
    addCode('UNAUTHENTICATED');
    addCode('AUTH_TOKEN_INVALID');
    if (traits.sessionChecked) {
      addCode('AUTH_SESSION_REVOKED');
      addCode('AUTH_ACCOUNT_INACTIVE');
    }
    if (traits.requiresPermissions) addCode('PERMISSION_DENIED');
  }
  if (traits.rateLimited) addCode('RATE_LIMITED');
  for (const code of traits.domainErrors) addCode(code);
  addCode('INTERNAL');
  addCode('SERVICE_UNAVAILABLE');
  return new Map([...reasons.entries()].sort(([a], [b]) => a - b).map(([status, set]) => [status, [...set]]));
}

const SUMMARY: Readonly<Record<number, string>> = {
  400: 'The request is invalid (INVALID_ARGUMENT; field errors in a BadRequest detail)',
  401: 'No valid credentials (UNAUTHENTICATED)',
  403: 'Not allowed (PERMISSION_DENIED)',
  404: 'Not found (NOT_FOUND)',
  409: 'Already exists (ALREADY_EXISTS)',
  413: 'The request body is larger than 1 MiB',
  414: 'A path parameter is longer than 100 characters',
  415: 'The request body\'s content type is not accepted',
  429: 'Too many requests (RESOURCE_EXHAUSTED): retry after Retry-After seconds',
  500: 'Internal error (INTERNAL), without internal detail',
  501: 'Not built yet (UNIMPLEMENTED)',
  503: 'Temporarily unavailable (UNAVAILABLE): retry, after Retry-After seconds when given',
};

const PRECONDITION = ', or the operation does not apply in the current state (FAILED_PRECONDITION)';

/** The error responses of one operation: each status with its reasons, all with the one envelope. */
export function errorResponses(reasons: Map<number, string[]>): Json {
  const responses: Json = {};
  for (const [status, list] of reasons) {
    const precondition = list.some((reason) => ERROR_KIND[reason as ErrorCode] === 'precondition');
    const summary = `${SUMMARY[status] ?? `HTTP ${status}`}${precondition ? PRECONDITION : ''}`;
    responses[String(status)] = {
      description: `${summary}. ErrorInfo.reason: ${list.join(', ')}.`,
      headers: {
        'error-code': { $ref: '#/components/headers/ErrorCode' },
        // Every 429 carries a delay; a 503 does when its cause knows one (the database, Roblox, S3).
        ...(status === 429 ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } : {}),
        ...(status === 503 ? { 'Retry-After': { $ref: '#/components/headers/RetryAfterWhenKnown' } } : {}),
      },
      content: { 'application/json': { schema: ref(ERROR_SCHEMA) } },
    };
  }
  return responses;
}
