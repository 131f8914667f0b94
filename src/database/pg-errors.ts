/** SQLSTATE 23505: a unique index refused the row. */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '23505';
}

/** SQLSTATE class 22 / 23514: the database refused a value (domain, check constraint, bad input syntax). */
export function isDataViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '23514');
}
