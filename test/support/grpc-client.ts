import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { LOADER_OPTIONS } from '../../src/common/grpc/grpc-options';
import { PROTO_FILES } from '../../src/common/grpc/served-services';
import { decodeStatusDetails } from '../../src/common/errors/grpc-status-details';
import { PROTO_DIR } from '../../src/paths';

const definition = protoLoader.loadSync(
  PROTO_FILES.map((f) => path.join(PROTO_DIR, f)),
  { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] },
);
const loaded = grpc.loadPackageDefinition(definition) as unknown as Record<string, Record<string, Record<string, grpc.ServiceClientConstructor>>>;

export type Unary = <T = Record<string, any>>(method: string, request: object, metadata?: Record<string, string>) => Promise<T>;

export interface GrpcError extends grpc.ServiceError {
  readonly reason?: string;
  readonly fieldViolations: { field: string; description: string }[];
}

/** A promise-returning client of one service, built from proto/ like any real client. */
const SERVICES = { auth: 'AuthService', users: 'UserService', roblox: 'RobloxService', portfolio: 'PortfolioService' } as const;

export function grpcClient(
  address: string,
  pkg: 'auth.v1' | 'auth.v2' | 'users.v1' | 'users.v2' | 'roblox.v1' | 'portfolio.v1',
): { call: Unary; client: grpc.Client; close(): void } {
  const [name, version] = pkg.split('.') as [keyof typeof SERVICES, string];
  const service = SERVICES[name];
  const Ctor = loaded[name][version][service];
  const client = new Ctor(address, grpc.credentials.createInsecure());
  const call: Unary = (method, request, metadata = {}) =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      (client as unknown as Record<string, Function>)[method](request, md, { deadline: Date.now() + 20_000 }, (err: grpc.ServiceError | null, res: unknown) => {
        if (err) {
          const bin = err.metadata?.get('grpc-status-details-bin')[0];
          const details = bin ? decodeStatusDetails(bin as Buffer) : undefined;
          reject(Object.assign(err, { reason: details?.reason, fieldViolations: details?.fieldViolations ?? [] }));
        } else resolve(res as never);
      });
    });
  return { call, client, close: () => client.close() };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export { grpc };
