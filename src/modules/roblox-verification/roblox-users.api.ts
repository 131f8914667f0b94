import { Inject, Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';

/** What the proof needs of a Roblox user (GET /v1/users/{id} of the Roblox users API). */
export interface RobloxUser {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly description: string;
  readonly isBanned: boolean;
}

/** The port of the Roblox users API; FetchRobloxUsersApi is the HTTP implementation. */
export abstract class RobloxUsersApi {
  /**
   * The public profile of a Roblox user. Throws ROBLOX_USER_NOT_FOUND (404) or
   * ROBLOX_UNAVAILABLE with a retry delay (timeout, network error, 429, 5xx, any
   * other unexpected answer): a failure of Roblox is never an INTERNAL error here.
   */
  abstract getUser(robloxUserId: string): Promise<RobloxUser>;
}

/** Retry hint when Roblox does not say (429 without Retry-After, 5xx, timeouts). */
const DEFAULT_RETRY_SECONDS = 5;
const MAX_RETRY_SECONDS = 3600;
const CONTROL = /\p{Cc}/u;
const CONTROL_ALL = /\p{Cc}/gu;
/** A profile is a few kB; anything much larger is not the users API. */
const MAX_BODY_BYTES = 256 * 1024;

@Injectable()
export class FetchRobloxUsersApi extends RobloxUsersApi {
  private readonly logger = new Logger('RobloxApi');
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.baseUrl = config.roblox.apiUrl.replace(/\/+$/, '');
    this.timeoutMs = config.roblox.apiTimeoutMs;
  }

  async getUser(robloxUserId: string): Promise<RobloxUser> {
    const url = `${this.baseUrl}/v1/users/${encodeURIComponent(robloxUserId)}`;
    let res: Response;
    let text: string;
    try {
      // The timeout bounds the whole exchange, body included.
      res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
      text = await readBounded(res);
    } catch (e) {
      const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
      this.logger.warn(`Roblox users API ${timedOut ? `timed out after ${this.timeoutMs} ms` : `unreachable: ${e instanceof Error ? e.message : 'unknown error'}`}`);
      throw unavailable(timedOut ? 'did not answer in time' : 'could not be reached', DEFAULT_RETRY_SECONDS);
    }
    if (res.status === 404) throw new DomainError('ROBLOX_USER_NOT_FOUND', 'Unknown Roblox user');
    if (res.status === 429) {
      this.logger.warn('Roblox users API rate-limited us');
      throw unavailable('is rate-limiting requests', retryAfterOf(res.headers.get('retry-after')) ?? DEFAULT_RETRY_SECONDS);
    }
    if (res.status !== 200) {
      this.logger.warn(`Roblox users API answered ${res.status}`);
      throw unavailable(`answered ${res.status}`, retryAfterOf(res.headers.get('retry-after')) ?? DEFAULT_RETRY_SECONDS);
    }
    const user = parseUser(text);
    if (!user || user.id !== robloxUserId) {
      this.logger.warn('Roblox users API answered an unexpected body');
      throw unavailable('answered an unexpected body', DEFAULT_RETRY_SECONDS);
    }
    return user;
  }
}

function unavailable(what: string, retryAfterSeconds: number): DomainError {
  return new DomainError('ROBLOX_UNAVAILABLE', `The Roblox users API ${what}; retry later`, { retryAfterSeconds });
}

/** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterOf(header: string | null, now = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  const seconds = /^\d+$/.test(value) ? Number(value) : Math.ceil((Date.parse(value) - now) / 1000);
  if (!Number.isFinite(seconds)) return null;
  return Math.min(MAX_RETRY_SECONDS, Math.max(1, seconds));
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new Error('response body too large');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseUser(text: string): RobloxUser | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  // Roblox sends ids as JSON numbers; ids past 2^53 would lose digits, so the raw text is not trusted for them.
  const id = typeof b.id === 'number' && Number.isSafeInteger(b.id) ? String(b.id) : typeof b.id === 'string' && /^\d+$/.test(b.id) ? b.id : null;
  // Usernames are stored (at most 64 characters); a NUL would not even fit PostgreSQL text.
  if (id === null || typeof b.name !== 'string' || b.name === '' || b.name.length > 64 || CONTROL.test(b.name)) return null;
  const displayName = typeof b.displayName === 'string' ? b.displayName.replace(CONTROL_ALL, '').trim().slice(0, 100) : '';
  return {
    id,
    name: b.name,
    displayName: displayName || b.name,
    description: typeof b.description === 'string' ? b.description : '',
    isBanned: b.isBanned === true,
  };
}

