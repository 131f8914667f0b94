/**
 * Wire-compatibility contract test.
 *
 * Loads the .proto files under proto/ with protobufjs and checks them against
 * the auth-service-rs contract in ../shared/contract/seed-v1.json, for the v1
 * packages and for their v2 twins (same messages, enums, services and field
 * numbers under core.v2 / auth.v2 / users.v2, REST routes under /v2/).
 *
 * Only the seed's items are checked: the proto files may add fields (with new
 * numbers), messages, enum values, methods and services.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';

interface SeedField {
  number: number;
  type: string;
  repeated: boolean;
  /** Key type when the field is a map<key, type>. */
  map?: string;
  /** Name of the oneof (real or proto3-optional synthetic "_name"). */
  oneof?: string;
  /** proto3 `optional`. */
  optional?: boolean;
}

interface SeedMethod {
  request: string;
  response: string;
  server_streaming: boolean;
  /** "VERB /v1/route". */
  rest: string;
}

interface SeedPackage {
  services: Record<string, Record<string, SeedMethod>>;
  messages: Record<string, Record<string, SeedField>>;
  enums: Record<string, Record<string, number>>;
}

interface Seed {
  source: string;
  packages: Record<string, SeedPackage>;
}

const REPO_ROOT = path.resolve(__dirname, '../..');
const PROTO_DIR = path.join(REPO_ROOT, 'proto');
const SEED_PATH = path.resolve(__dirname, '../../../shared/contract/seed-v1.json');

const seed = JSON.parse(fs.readFileSync(SEED_PATH, 'utf8')) as Seed;

const SCALARS = new Set([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

/** The contract's own packages; their names get the version swapped for v2. */
const VERSIONED = /^(core|auth|users)\.v1(\.|$)/;

function toVersion(name: string, version: string): string {
  return name.replace(VERSIONED, (_m, base: string, sep: string) => `${base}.${version}${sep}`);
}

/** Fully-qualified name (without leading dot) of a seed type reference, in `version`. */
function qualify(type: string, seedPackage: string, version: string): string {
  if (SCALARS.has(type)) return type;
  const full = type.includes('.') ? type : `${seedPackage}.${type}`;
  return toVersion(full, version);
}

/** Path under proto/ of the file holding `seedPackage` in `version` (e.g. auth/v2/auth.proto). */
function protoFileOf(seedPackage: string, version: string): string {
  const base = seedPackage.split('.')[0];
  return `${base}/${version}/${base}.proto`;
}

function loadRoot(version: string): protobuf.Root {
  const root = new protobuf.Root();
  // Imports are relative to proto/; google/protobuf/* come from protobufjs' bundled
  // common definitions (resolved before resolvePath is consulted).
  root.resolvePath = (_origin: string, target: string) =>
    path.isAbsolute(target) ? target : path.resolve(PROTO_DIR, target);
  const files = Object.keys(seed.packages).map((pkg) => protoFileOf(pkg, version));
  root.loadSync(files, { keepCase: true, alternateCommentMode: true });
  root.resolveAll();
  return root;
}

/** Fully-qualified type name of a field or method type, or the scalar name. */
function typeNameOf(resolved: protobuf.Type | protobuf.Enum | null, declared: string): string {
  return resolved ? resolved.fullName.replace(/^\./, '') : declared;
}

describe('seed contract', () => {
  it('is non-empty (guards against a trivially passing test)', () => {
    expect(Object.keys(seed.packages).sort()).toEqual(['auth.v1', 'core.v1', 'users.v1']);
    const messages = Object.values(seed.packages).flatMap((p) => Object.keys(p.messages));
    const methods = Object.values(seed.packages).flatMap((p) =>
      Object.values(p.services).flatMap((s) => Object.keys(s)),
    );
    expect(messages.length).toBeGreaterThan(50);
    expect(methods.length).toBeGreaterThan(25);
  });
});

describe.each(['v1', 'v2'])('proto contract %s', (version) => {
  const root = loadRoot(version);

  for (const [seedPackage, spec] of Object.entries(seed.packages)) {
    const pkg = toVersion(seedPackage, version);

    describe(pkg, () => {
      for (const [messageName, fields] of Object.entries(spec.messages)) {
        it(`message ${messageName}`, () => {
          const fqn = `${pkg}.${messageName}`;
          const type = root.lookup(fqn);
          expect(type, `${fqn} exists and is a message`).toBeInstanceOf(protobuf.Type);
          const message = type as protobuf.Type;

          for (const [fieldName, want] of Object.entries(fields)) {
            const where = `${fqn}.${fieldName}`;
            const field = message.fields[fieldName];
            expect(field, `${where} exists`).toBeDefined();

            expect(field.id, `${where} number`).toBe(want.number);
            expect(field.repeated, `${where} repeated`).toBe(want.repeated);
            expect(typeNameOf(field.resolvedType, field.type), `${where} type`).toBe(
              qualify(want.type, seedPackage, version),
            );
            if (!SCALARS.has(want.type)) {
              expect(field.resolvedType, `${where} resolves to a message or enum`).not.toBeNull();
            }

            // map<K, V>: `type` is V, the key type K (null: not a map).
            const mapKeyType = field instanceof protobuf.MapField ? field.keyType : null;
            expect(mapKeyType, `${where} map key type`).toBe(want.map ?? null);

            expect(field.partOf?.name ?? null, `${where} oneof`).toBe(want.oneof ?? null);
            const proto3Optional = (field.options as Record<string, unknown> | undefined)?.proto3_optional === true;
            expect(proto3Optional, `${where} proto3 optional`).toBe(want.optional === true);
          }
        });
      }

      for (const [enumName, values] of Object.entries(spec.enums)) {
        it(`enum ${enumName}`, () => {
          const fqn = `${pkg}.${enumName}`;
          const found = root.lookup(fqn);
          expect(found, `${fqn} exists and is an enum`).toBeInstanceOf(protobuf.Enum);
          const actual = (found as protobuf.Enum).values;
          for (const [valueName, number] of Object.entries(values)) {
            expect(actual[valueName], `${fqn}.${valueName}`).toBe(number);
          }
        });
      }

      for (const [serviceName, methods] of Object.entries(spec.services)) {
        it(`service ${serviceName}`, () => {
          const fqn = `${pkg}.${serviceName}`;
          const found = root.lookup(fqn);
          expect(found, `${fqn} exists and is a service`).toBeInstanceOf(protobuf.Service);
          const service = found as protobuf.Service;

          for (const [methodName, want] of Object.entries(methods)) {
            const where = `${fqn}.${methodName}`;
            const method = service.methods[methodName];
            expect(method, `${where} exists`).toBeDefined();
            expect(typeNameOf(method.resolvedRequestType, method.requestType), `${where} request`).toBe(
              qualify(want.request, seedPackage, version),
            );
            expect(typeNameOf(method.resolvedResponseType, method.responseType), `${where} response`).toBe(
              qualify(want.response, seedPackage, version),
            );
            expect(method.requestStream === true, `${where} client streaming`).toBe(false);
            expect(method.responseStream === true, `${where} server streaming`).toBe(want.server_streaming);

            // The REST route is documented in a comment above the rpc.
            const [verb, route] = want.rest.split(' ');
            const restRoute = `${verb} ${route.replace(/^\/v1\//, `/${version}/`)}`;
            expect(method.comment ?? '', `${where} REST route comment`).toContain(`REST: ${restRoute}`);
          }
        });
      }
    });
  }
});

describe('v2 protos', () => {
  it('are what scripts/gen-v2-protos.mjs generates from v1 (edit v1, then run the script)', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const { generateAll } = (await import('../../scripts/gen-v2-protos.mjs')) as { generateAll(): [string, string][] };
    const generated = generateAll();
    expect(generated.map(([rel]) => rel).sort()).toEqual(['auth/v2/auth.proto', 'core/v2/core.proto', 'users/v2/users.proto']);
    for (const [rel, text] of generated) {
      expect(fs.readFileSync(path.join(PROTO_DIR, rel), 'utf8'), `proto/${rel}`).toBe(text);
      expect(text.startsWith('// GENERATED by scripts/gen-v2-protos.mjs')).toBe(true);
    }
  });
});

describe('enum lists', () => {
  it('are what scripts/gen-enums.mjs reads from the proto descriptors (edit proto/, then run the script)', async () => {
    // @ts-expect-error: a plain .mjs script without type declarations
    const { generateEnums } = (await import('../../scripts/gen-enums.mjs')) as { generateEnums(): string };
    const committed = fs.readFileSync(path.join(REPO_ROOT, 'src', 'common', 'grpc', 'enums.generated.ts'), 'utf8');
    expect(committed).toBe(generateEnums());
    expect(committed).toContain("'IDENTIFIER_TYPE_UNSPECIFIED', 'IDENTIFIER_TYPE_EMAIL', 'IDENTIFIER_TYPE_PHONE'");
  });
});
