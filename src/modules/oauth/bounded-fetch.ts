/** Bytes of one provider answer read at most: discovery, JWKS, token and user answers are a few KB. */
export const MAX_PROVIDER_ANSWER_BYTES = 256 * 1024;

/** Statuses whose Response may not carry a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * The body of `response`, read up to `maxBytes`; a longer one is cancelled and refused
 * with a TypeError (the provider's fault: UNAVAILABLE, translateExchangeError).
 */
async function readBounded(response: Response, maxBytes = MAX_PROVIDER_ANSWER_BYTES): Promise<Buffer> {
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new TypeError(`provider answer larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * fetch for openid-client (its customFetch): every answer of a provider (discovery, JWKS,
 * token endpoint, UserInfo, GitHub's and Facebook's user APIs) is read here, bounded,
 * before the library parses it. Without it a provider (compromised, or an issuer URL
 * pointing somewhere else) could stream an answer as large as it can send within the
 * request timeout into memory.
 */
export async function boundedFetch(url: string, options: RequestInit): Promise<Response> {
  const response = await fetch(url, options);
  const body = NULL_BODY_STATUSES.has(response.status) ? null : await readBounded(response);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
