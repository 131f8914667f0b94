const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string is a UUID in its canonical 8-4-4-4-12 hex form (any case): safe to cast to uuid in SQL. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
