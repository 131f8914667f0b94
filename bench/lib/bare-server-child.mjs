import Fastify from 'fastify';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

const [kind, port] = [process.argv[2], Number(process.argv[3])];
if (kind === 'fastify') {
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  await app.listen({ port, host: '127.0.0.1' });
} else {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath));
  const server = new grpc.Server();
  server.addService(pkg.grpc.health.v1.Health.service, { check: (_call, cb) => cb(null, { status: 'SERVING' }) });
  await new Promise((r, j) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
}
process.send('ready');
process.on('SIGTERM', () => process.exit(0));
