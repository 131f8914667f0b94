import * as protobuf from 'protobufjs';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ErrorView } from './error-view';

/**
 * google.rpc.Status with BadRequest / ErrorInfo / RetryInfo details, encoded by
 * hand-declared types so no googleapis protos are needed at run time.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: {
                FieldViolation: { fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 } as protobuf.IMapField,
              },
            },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});

const StatusType = root.lookupType('google.rpc.Status');
const BadRequestType = root.lookupType('google.rpc.BadRequest');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');
const RetryInfoType = root.lookupType('google.rpc.RetryInfo');
export const ERROR_DOMAIN = 'auth-service';
const TYPE_PREFIX = 'type.googleapis.com/';

function any(type: protobuf.Type, value: object): { type_url: string; value: Uint8Array } {
  return { type_url: TYPE_PREFIX + type.fullName.slice(1), value: type.encode(type.create(value)).finish() };
}

/** gRPC field paths use the proto (snake_case) names; REST uses the JSON (camelCase) names. */
export function toProtoFieldPath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export function encodeStatusDetails(view: ErrorView): Buffer {
  const details = [any(ErrorInfoType, { reason: view.reason, domain: ERROR_DOMAIN })];
  if (view.violations.length > 0) {
    details.push(
      any(BadRequestType, {
        field_violations: view.violations.map((v) => ({ field: toProtoFieldPath(v.field), description: v.description })),
      }),
    );
  }
  if (view.retryAfterSeconds !== undefined) {
    details.push(any(RetryInfoType, { retry_delay: { seconds: view.retryAfterSeconds, nanos: 0 } }));
  }
  const status = StatusType.create({ code: view.grpcStatus, message: view.message, details });
  return Buffer.from(StatusType.encode(status).finish());
}

/** Decodes grpc-status-details-bin (used by tests and clients written in this repo). */
export function decodeStatusDetails(bin: Buffer): {
  code: number;
  message: string;
  reason?: string;
  fieldViolations: { field: string; description: string }[];
  retryDelaySeconds?: number;
} {
  const status = StatusType.toObject(StatusType.decode(bin), { longs: Number }) as {
    code: number;
    message: string;
    details?: { type_url: string; value: Uint8Array }[];
  };
  const out: ReturnType<typeof decodeStatusDetails> = { code: status.code, message: status.message, fieldViolations: [] };
  for (const d of status.details ?? []) {
    const name = d.type_url.slice(TYPE_PREFIX.length);
    if (name === 'google.rpc.BadRequest') {
      const br = BadRequestType.toObject(BadRequestType.decode(d.value)) as { field_violations?: { field: string; description: string }[] };
      out.fieldViolations.push(...(br.field_violations ?? []));
    } else if (name === 'google.rpc.ErrorInfo') {
      out.reason = (ErrorInfoType.toObject(ErrorInfoType.decode(d.value)) as { reason: string }).reason;
    } else if (name === 'google.rpc.RetryInfo') {
      const ri = RetryInfoType.toObject(RetryInfoType.decode(d.value), { longs: Number }) as { retry_delay?: { seconds?: number } };
      out.retryDelaySeconds = ri.retry_delay?.seconds ?? 0;
    }
  }
  return out;
}

/** The object grpc-js turns into the call's status: code, message, error-code and rich details. */
export function toGrpcServiceError(view: ErrorView): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set('error-code', view.reason);
  metadata.set('grpc-status-details-bin', encodeStatusDetails(view));
  if (view.retryAfterSeconds !== undefined) metadata.set('retry-after', String(view.retryAfterSeconds));
  return { code: view.grpcStatus, message: view.message, details: view.message, metadata };
}
