import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { APP_ROOT } from '../../paths';

/** Built by scripts/build-breached-passwords.mjs (which documents the format) and shipped with the service. */
export const BREACHED_PASSWORDS_FILE = path.join(APP_ROOT, 'data', 'breached-passwords.bloom');

const MAGIC = 'PWBLOOM1';
const HEADER_BYTES = 24;

/**
 * The commonly used passwords of a breached-password list (ASVS V2.1.7), as a Bloom
 * filter: one SHA-256 and k bit tests per lookup, about 0.7 MB for ~200,000 passwords.
 * No false negatives; about one password in a million that is not on the list is
 * refused as if it were, which costs its owner one more try.
 */
export class BreachedPasswordFilter {
  private constructor(
    private readonly bits: Buffer,
    private readonly bitCount: number,
    private readonly probeCount: number,
    /** How many passwords the list holds. */
    readonly size: number,
    /** Shorter passwords were left out of the list: the length rule refuses them already. */
    readonly minLength: number,
  ) {}

  static fromBuffer(file: Buffer): BreachedPasswordFilter {
    const problem = (what: string) => new Error(`breached-password filter: ${what}`);
    if (file.length < HEADER_BYTES || file.toString('latin1', 0, MAGIC.length) !== MAGIC) throw problem('not a PWBLOOM1 file');
    const m = file.readUInt32LE(8);
    const k = file.readUInt8(16);
    if (m === 0 || m % 8 !== 0 || k === 0 || file.length !== HEADER_BYTES + m / 8) throw problem('corrupt header or truncated');
    return new BreachedPasswordFilter(file.subarray(HEADER_BYTES), m, k, file.readUInt32LE(12), file.readUInt8(17));
  }

  static load(file: string = BREACHED_PASSWORDS_FILE): BreachedPasswordFilter {
    return BreachedPasswordFilter.fromBuffer(readFileSync(file));
  }

  /** True when `password`, ignoring case and surrounding white space, is on the list. */
  has(password: string): boolean {
    const key = password.trim().toLowerCase();
    if ([...key].length < this.minLength) return false;
    // Enhanced double hashing (probe i = h1 + i*h2 + (i^3-i)/6): k probes from one
    // digest, exactly as the generator script sets them.
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const h1 = digest.readUInt32LE(0);
    const h2 = digest.readUInt32LE(4);
    for (let i = 0; i < this.probeCount; i++) {
      const bit = (h1 + i * h2 + (i * i * i - i) / 6) % this.bitCount;
      if ((this.bits[bit >> 3] & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

let bundled: BreachedPasswordFilter | undefined;

/** The list shipped with the service, read on first use and kept for the life of the process. */
export function bundledBreachedPasswords(): BreachedPasswordFilter {
  bundled ??= BreachedPasswordFilter.load();
  return bundled;
}
