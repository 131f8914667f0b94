import { inspect } from 'node:util';

/**
 * A secret value that never prints itself: JSON, util.inspect and string
 * conversion all show `[redacted]`, so a logged config leaks nothing.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return '[redacted]';
  }
}
