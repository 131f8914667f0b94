const MALFORMED = Symbol('malformed-request');

/** Stands in for a request body that could not be decoded. */
export function markMalformed(reason: string): object {
  return { [MALFORMED]: reason };
}

export function malformedReason(value: unknown): string | undefined {
  return value !== null && typeof value === 'object' ? (value as Record<symbol, string | undefined>)[MALFORMED] : undefined;
}
