import * as path from 'node:path';
import type { GrpcOptions } from '@nestjs/microservices';
import { Transport } from '@nestjs/microservices';
import type { PackageDefinition } from '@grpc/proto-loader';
import type { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import type { GrpcHealth } from './grpc-health';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { PROTO_DIR } from '../../paths';
import { markMalformed } from './malformed-request';
import { GRPC_PACKAGES, PROTO_FILES } from './served-services';

/**
 * proto-loader options shared by the server and the test clients: camelCase
 * fields (the proto3 JSON names, so one DTO class validates both transports),
 * enums by name, 64-bit integers as strings, defaults filled, oneofs named.
 */
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
} as const;

/**
 * grpc-js answers INTERNAL when a request cannot be decoded; a client sending
 * malformed bytes made a bad request, so decoding never throws here and the
 * validation pipe answers INVALID_ARGUMENT instead.
 */
function tolerateMalformedRequests(pkg: PackageDefinition): void {
  for (const definition of Object.values(pkg)) {
    if (!definition || typeof definition !== 'object' || 'format' in definition) continue;
    for (const method of Object.values(definition as Record<string, { requestDeserialize?: (b: Buffer) => unknown }>)) {
      const decode = method?.requestDeserialize;
      if (typeof decode !== 'function') continue;
      method.requestDeserialize = (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (e) {
          return markMalformed(e instanceof Error ? e.message : 'undecodable message');
        }
      };
    }
  }
}

export function grpcOptions(args: { url: string; reflection: boolean; health: GrpcHealth }): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      url: args.url,
      package: GRPC_PACKAGES,
      // The health proto is loaded too, only so reflection can describe grpc.health.v1.
      protoPath: [...PROTO_FILES.map((f) => path.join(PROTO_DIR, f)), healthProtoPath],
      loader: { ...LOADER_OPTIONS, includeDirs: [...LOADER_OPTIONS.includeDirs] },
      maxReceiveMessageLength: 4 * 1024 * 1024,
      // Calls in flight per connection, each holding up to maxReceiveMessageLength: one
      // client cannot fan out without bound (memory budget, BENCHMARKS.md).
      channelOptions: { 'grpc.max_concurrent_streams': 128 },
      onLoadPackageDefinition: (pkg: PackageDefinition, server: Pick<Server, 'addService'>) => {
        tolerateMalformedRequests(pkg);
        args.health.addToServer(server as Server);
        if (args.reflection) new ReflectionService(pkg).addToServer(server as Server);
      },
    },
  };
}
