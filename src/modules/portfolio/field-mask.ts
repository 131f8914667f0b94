import { DomainError, type FieldViolation } from '../../common/errors/domain-error';

/**
 * AIP-134 paths of an update: with a mask exactly its paths (proto or JSON spelling;
 * unknown ones are INVALID_ARGUMENT), without one every path whose field is set.
 */
export function updatePaths<P extends string>(
  mask: readonly string[] | undefined,
  allowed: readonly P[],
  input: Partial<Record<P, unknown>>,
  message: string,
): P[] {
  if (!mask?.length) return allowed.filter((p) => input[p] !== undefined);
  const violations: FieldViolation[] = [];
  const paths = new Set<P>();
  for (const raw of mask) {
    const path = raw.trim().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if ((allowed as readonly string[]).includes(path)) paths.add(path as P);
    else violations.push({ field: 'updateMask', description: `"${raw.slice(0, 64)}" is not a field of ${message} that can be updated` });
  }
  if (violations.length) throw DomainError.validation(violations);
  return [...paths];
}
