import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

/**
 * A small structural check of a JSON value against an OpenAPI 3.1 schema
 * (types, required properties, enums, $ref, arrays, nested objects). It returns
 * every mismatch as a path, so a test can show what the document got wrong.
 */
type Schema = Record<string, any>;

export function checkAgainstSchema(doc: Schema, schema: Schema, value: unknown, path = '$'): string[] {
  if (schema.$ref) return checkAgainstSchema(doc, resolveRef(doc, schema.$ref), value, path);
  if (schema.allOf) return schema.allOf.flatMap((s: Schema) => checkAgainstSchema(doc, s, value, path));
  if (schema.oneOf || schema.anyOf) {
    const options: Schema[] = schema.oneOf ?? schema.anyOf;
    return options.some((s) => checkAgainstSchema(doc, s, value, path).length === 0) ? [] : [`${path}: matches none of the alternatives`];
  }
  const errors: string[] = [];
  const types: string[] = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length && !types.some((t) => isType(value, t))) return [`${path}: expected ${types.join('|')}, got ${JSON.stringify(value)}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ('const' in schema && schema.const !== value) errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
  if (schema.format === 'uuid' && typeof value === 'string' && !/^[0-9a-f-]{36}$/i.test(value)) errors.push(`${path}: not a uuid`);
  if (isType(value, 'object') && (schema.properties || schema.type === 'object')) {
    const obj = value as Record<string, unknown>;
    for (const req of schema.required ?? []) if (!(req in obj)) errors.push(`${path}.${req}: required but missing`);
    for (const [key, v] of Object.entries(obj)) {
      const prop = schema.properties?.[key];
      if (prop) errors.push(...checkAgainstSchema(doc, prop, v, `${path}.${key}`));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        errors.push(...checkAgainstSchema(doc, schema.additionalProperties, v, `${path}.${key}`));
      } else if (schema.additionalProperties !== true && schema.properties) errors.push(`${path}.${key}: not documented`);
    }
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => errors.push(...checkAgainstSchema(doc, schema.items, item, `${path}[${i}]`)));
  return errors;
}

function resolveRef(doc: Schema, ref: string): Schema {
  return ref.replace(/^#\//, '').split('/').reduce((node: any, key) => node?.[key], doc) as Schema;
}

function isType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    case 'array': return Array.isArray(value);
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    default: return true;
  }
}

/** The JSON schema of one response of one operation. */
export function responseSchema(doc: Schema, method: string, path: string, status: number): Schema {
  const op = doc.paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the document`);
  const schema = op.responses?.[String(status)]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no ${status} JSON response documented for ${method} ${path}`);
  return schema;
}

/** The documented response of one operation for one status, or undefined when that status is not documented. */
export function documentedResponse(doc: Schema, method: string, path: string, status: number): Schema | undefined {
  const op = doc.paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the document`);
  return op.responses?.[String(status)];
}

/** The JSON schema of one operation's request body. */
export function requestSchema(doc: Schema, method: string, path: string): Schema {
  const op = doc.paths?.[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no operation ${method} ${path} in the document`);
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON request body documented for ${method} ${path}`);
  return schema;
}

export interface LintProblem {
  readonly ruleId: string;
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly pointer?: string;
}

/**
 * Redocly's lint of a document with the repository's redocly.yaml (recommended rules),
 * as CI runs it. @redocly/cli bundles @redocly/openapi-core (no separate package is
 * installed), so its CLI is run on the document written to a temporary file.
 */
export async function lintOpenApi(doc: Schema): Promise<{ errors: number; warnings: number; problems: LintProblem[] }> {
  const require = createRequire(__filename);
  const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
  const dir = await mkdtemp(path.join(tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const args = [cli, 'lint', '--config', path.resolve(__dirname, '../../redocly.yaml'), '--format', 'json', '--max-problems', '1000', file];
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    // Exit code 1 with problems is an answer, not a failure: the JSON report says what was found.
    const stdout = await promisify(execFile)(process.execPath, args, { env, maxBuffer: 64 * 1024 * 1024 })
      .then((r) => r.stdout, (e: { stdout?: string }) => e.stdout ?? '');
    const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; severity: 'error' | 'warn'; message: string; location?: { pointer?: string }[] }[];
    };
    return {
      ...report.totals,
      problems: report.problems.map((p) => ({ ruleId: p.ruleId, severity: p.severity, message: p.message, pointer: p.location?.[0]?.pointer })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
