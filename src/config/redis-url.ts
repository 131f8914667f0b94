/**
 * What is wrong with a REDIS_URL (`redis://[user:password@]host[:port][/db]` or
 * `rediss://` for TLS), or null. Describes the rule broken, never the value: the
 * URL may carry a password.
 */
export function redisUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return 'must start with redis:// or rediss://';
  if (!url.hostname) return 'must name a host';
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) return 'path must be a database number (/0 to /15)';
  return null;
}
