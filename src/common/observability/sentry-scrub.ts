/**
 * What leaves the process for Sentry. Errors of an auth service sit next to
 * passwords, tokens and addresses, and driver messages quote values, so an event
 * is cut down to what locates a bug (exception, stack, request id, method, trace
 * id) and every string in it is scrubbed. No SDK import: pure functions.
 */

/** Keys whose values are dropped wherever they appear in an event. */
const DROPPED_KEYS = new Set([
  'password', 'newpassword', 'currentpassword', 'new_password', 'current_password', 'passwordhash', 'password_hash',
  'token', 'accesstoken', 'refreshtoken', 'access_token', 'refresh_token', 'setuptoken', 'challengetoken', 'verificationid',
  'secret', 'recoverycode', 'recovery_code', 'totpcode', 'authorization', 'cookie', 'cookies', 'set-cookie', 'email', 'phone',
  'identifier', 'ip', 'ip_address',
]);

const PATTERNS: readonly [RegExp, string][] = [
  // JWTs (access tokens), before the generic long-token rule.
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[jwt]'],
  // Password hashes: argon2 (PHC strings) and bcrypt.
  [/\$argon2(?:id|i|d)\$[A-Za-z0-9=,$+/.-]+/g, '[hash]'],
  [/\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}/g, '[hash]'],
  [/\bBearer\s+\S+/gi, 'Bearer [redacted]'],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[email]'],
  // E.164 phone numbers (phone sign-in identifiers).
  [/\+\d{7,15}\b/g, '[phone]'],
  // Query strings carry tokens (verification and reset links, presigned URLs).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"']*|\/[^\s?#"']*)\?[^\s#"']+/gi, '$1?[redacted]'],
];

/** Opaque tokens (refresh tokens, verification ids, keys): long base64url runs with a digit in them. */
const LONG_TOKEN = /[A-Za-z0-9_-]{32,}/g;
const KEPT_RUNS = [
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUIDs: user and session ids
  /^[0-9a-f]{32}$/, // trace and event ids
  /^[^0-9]+$/, // words joined by dashes: function and module names
];

export function scrubString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(LONG_TOKEN, (m) => (KEPT_RUNS.some((k) => k.test(m)) ? m : '[token]'));
}

const MAX_DEPTH = 12;

/** Drops secret keys and scrubs every string, at any depth (events are plain JSON data). */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (DROPPED_KEYS.has(k.toLowerCase())) continue;
    out[k] = k === 'stacktrace' ? withoutFrameVariables(v) : scrubValue(v, depth + 1);
  }
  return out;
}

/** Stack frames are code locations and source lines, kept as they are; local variables never leave. */
function withoutFrameVariables(stacktrace: unknown): unknown {
  const frames = (stacktrace as { frames?: unknown } | null)?.frames;
  if (!Array.isArray(frames)) return stacktrace;
  return { ...(stacktrace as object), frames: frames.map((f: Record<string, unknown>) => {
    const { vars: _vars, ...frame } = f;
    return frame;
  }) };
}

interface EventLike {
  request?: { method?: string; url?: string };
  user?: unknown;
  extra?: unknown;
}

/**
 * beforeSend: the request shrinks to method and URL without query (no headers,
 * cookies, body or client address), no user, no extra data; then every remaining
 * string is scrubbed.
 */
export function scrubEvent<E extends EventLike>(event: E): E {
  const kept: E = { ...event };
  delete kept.user;
  delete kept.extra;
  if (event.request) kept.request = { method: event.request.method, url: event.request.url?.split('?')[0] };
  return scrubValue(kept) as E;
}
