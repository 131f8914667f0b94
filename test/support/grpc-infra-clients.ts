import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

type Ctor = grpc.ServiceClientConstructor;

/** grpc.health.v1.Health client. */
export function healthClient(address: string): grpc.Client & Record<string, Function> {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as any;
  return new (pkg.grpc.health.v1.Health as Ctor)(address, grpc.credentials.createInsecure()) as any;
}

export function healthCheck(address: string, service = ''): Promise<string> {
  const client = healthClient(address);
  return new Promise((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + 5_000 }, (err: Error | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    });
  });
}

/** Lists services through grpc.reflection.v1 (what grpcurl does). */
export function reflectionListServices(address: string): Promise<string[]> {
  const protoFile = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile, { keepCase: true })) as any;
  const client = new (pkg.grpc.reflection.v1.ServerReflection as Ctor)(address, grpc.credentials.createInsecure()) as any;
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (res: { list_services_response?: { service: { name: string }[] } }) => {
      resolve((res.list_services_response?.service ?? []).map((s) => s.name));
      stream.end();
      client.close();
    });
    stream.on('error', (e: Error) => {
      client.close();
      reject(e);
    });
    stream.write({ list_services: '' });
  });
}
