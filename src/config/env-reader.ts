import { readFileSync } from 'node:fs';
import { Secret } from './secret';

export type Env = Record<string, string | undefined>;

/**
 * Reads variables and collects every problem instead of stopping at the first,
 * so one failed start names all bad variables. Messages name the variable and
 * the rule, never the value.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  /** The first of `names` that is set (a renamed variable, then its old names), or the first name. */
  firstSet(...names: [string, ...string[]]): string {
    return names.find((n) => this.raw(n) !== undefined) ?? names[0];
  }

  str(name: string, fallback: string): string;
  str(name: string): string | undefined;
  str(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(v)) return true;
    if (['false', '0', 'no', 'off'].includes(v)) return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return v as T;
  }

  url(name: string, protocols: readonly string[], fallback?: string): string | undefined {
    const v = this.raw(name) ?? fallback;
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (!protocols.includes(u.protocol.replace(/:$/, ''))) throw new Error('protocol');
      return v;
    } catch {
      this.problems.push(`${name} must be a URL (${protocols.join(' or ')})`);
      return undefined;
    }
  }

  /** A number from 0 to 1 (a share, e.g. a sampling ratio). */
  ratio(name: string, fallback: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1) {
      this.problems.push(`${name} must be a number from 0 to 1`);
      return fallback;
    }
    return n;
  }

  list(name: string): string[] {
    const v = this.raw(name);
    return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** `NAME_FILE` (a mounted file) wins over `NAME`; the value is wrapped so it cannot be logged. */
  secret(name: string): Secret | undefined {
    const file = this.raw(`${name}_FILE`);
    if (file !== undefined) {
      try {
        const content = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
        if (content.trim() === '') {
          this.problems.push(`${name}_FILE points to an empty file`);
          return undefined;
        }
        return new Secret(content);
      } catch {
        this.problems.push(`${name}_FILE cannot be read`);
        return undefined;
      }
    }
    const v = this.env[name];
    return v === undefined || v === '' ? undefined : new Secret(v);
  }

  check(condition: boolean, problem: string): void {
    if (!condition) this.problems.push(problem);
  }
}
