/**
 * A link into the front end: `{APP_URL}/{path}?{params}`. Parameters go through
 * URLSearchParams once (never pre-encoded), so a token is encoded exactly once.
 */
export function appLink(appUrl: string, path: string, params: Readonly<Record<string, string>> = {}): string {
  const url = new URL(appUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.toString();
}
