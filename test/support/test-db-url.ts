/** The PostgreSQL the tests use (TEST_DB_URL, default the machine's local server). */
export function adminUrl(): string {
  return process.env.TEST_DB_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function databaseUrl(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

/** Names carry the owning process id so a later run can tell leftovers from live databases. */
export const TEMPLATE_PREFIX = 'auth_tmpl_';
export const CLONE_PREFIX = 'auth_t_';
