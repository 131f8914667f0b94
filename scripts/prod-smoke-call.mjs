// One gRPC call against the production-installed service (run from that install, so only
// production dependencies resolve): SignUp with a malformed email must answer
// INVALID_ARGUMENT with a google.rpc.Status in grpc-status-details-bin whose BadRequest
// names the fields. Exits non-zero otherwise.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const target = process.argv[2];
const protoDir = path.join(here, 'proto');
const definition = loader.loadSync(path.join(protoDir, 'auth/v1/auth.proto'), {
  keepCase: false, longs: String, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir],
});
const AuthService = grpc.loadPackageDefinition(definition).auth.v1.AuthService;
const client = new AuthService(target, grpc.credentials.createInsecure());

const rpc = protobuf.Root.fromJSON({
  nested: {
    Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'Any', id: 3 } } },
    BadRequest: {
      fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
      nested: { FieldViolation: { fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } } },
    },
  },
});

function fail(message) {
  console.error(`prod-smoke: ${message}`);
  process.exit(1);
}

client.SignUp(
  { identifier: 'not-an-email', identifierType: 'IDENTIFIER_TYPE_EMAIL', password: 'correct horse battery staple' },
  { deadline: Date.now() + 10_000 },
  (err) => {
    client.close();
    if (!err) return fail('SignUp with a malformed email succeeded');
    if (err.code !== grpc.status.INVALID_ARGUMENT) return fail(`expected INVALID_ARGUMENT, got ${err.code} ${err.details}`);
    const [bin] = err.metadata.get('grpc-status-details-bin');
    if (!Buffer.isBuffer(bin)) return fail('no grpc-status-details-bin in the trailers');
    const status = rpc.lookupType('Status').decode(bin);
    const bad = status.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.BadRequest');
    if (!bad) return fail('the status details carry no google.rpc.BadRequest');
    const fields = rpc.lookupType('BadRequest').decode(bad.value).field_violations.map((v) => v.field);
    if (fields.length === 0) return fail('the BadRequest names no field');
    console.log(`prod-smoke: gRPC error with details: INVALID_ARGUMENT, fields ${fields.join(', ')}`);
  },
);
