#!/usr/bin/env node
// Lints the OpenAPI document the service serves (/api-docs/openapi.json) with Redocly's
// recommended rules as redocly.yaml sets them; exits non-zero on any error.
//
// The document is built from the compiled dist/ by the same function the server uses
// (buildOpenApiDocument), in Nest's preview mode: no database, no listener, no provider
// runs. Needs `npm run build` first.
//
// Usage: node scripts/lint-openapi.mjs [--out <file>]   (--out keeps the document, e.g. to generate a client)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { env, exit } from 'node:process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = outIndex >= 0 ? path.resolve(args[outIndex + 1] ?? '') : undefined;
if (outIndex >= 0 && !args[outIndex + 1]) {
  console.error('usage: node scripts/lint-openapi.mjs [--out <file>]');
  exit(2);
}

const compiled = path.join(root, 'dist', 'openapi.js');
if (!existsSync(compiled)) {
  console.error('lint-openapi: dist/openapi.js is missing: run npm run build first');
  exit(1);
}
require('reflect-metadata');
const { buildOpenApiDocumentOffline } = require(compiled);
const document = await buildOpenApiDocumentOffline();

const dir = out ? undefined : mkdtempSync(path.join(tmpdir(), 'auth-openapi-'));
const file = out ?? path.join(dir, 'openapi.json');
writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
console.log(`lint-openapi: ${Object.keys(document.paths).length} paths written to ${file}`);

const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const lintArgs = ['lint', '--config', path.join(root, 'redocly.yaml'), '--format', 'stylish', '--max-problems', '500', file];
const result = spawnSync(process.execPath, [cli, ...lintArgs], {
  stdio: 'inherit',
  env: { ...env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
});
if (dir) rmSync(dir, { recursive: true, force: true });
exit(result.status ?? 1);
