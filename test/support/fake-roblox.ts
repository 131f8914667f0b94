import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './ports';

/** A Roblox user as the fake users API answers it, plus how it answers. */
export interface FakeRobloxUser {
  name: string;
  displayName: string;
  description: string;
  isBanned: boolean;
  /** Answer this status instead of the profile (429, 500, 503...). */
  status?: number;
  /** Retry-After header sent with `status`. */
  retryAfter?: string;
  /** Delay before the answer, e.g. past ROBLOX_API_TIMEOUT_MS. */
  delayMs?: number;
  /** A raw body sent instead of the profile's JSON (with status 200 unless `status`). */
  rawBody?: string;
}

/**
 * The Roblox users API on 127.0.0.1: `GET /v1/users/{id}` answers the profile of a
 * user the test registered (the real API's JSON shape), 404 for any other id.
 */
export interface FakeRoblox {
  readonly url: string;
  /** Registers (or replaces) a user; unset fields get plain defaults. */
  setUser(id: string, user?: Partial<FakeRobloxUser>): FakeRobloxUser;
  /** Changes some fields of a registered user. */
  update(id: string, changes: Partial<FakeRobloxUser>): void;
  /** Ids of every profile requested, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeRoblox(): Promise<FakeRoblox> {
  const users = new Map<string, FakeRobloxUser>();
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/v1\/users\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 0, message: 'NotFound' }] }));
      return;
    }
    const id = decodeURIComponent(match[1]);
    requests.push(id);
    const user = users.get(id);
    const send = () => {
      if (res.destroyed) return;
      if (!user) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 3, message: 'The user id is invalid.', userFacingMessage: 'Something went wrong' }] }));
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (user.retryAfter !== undefined) headers['retry-after'] = user.retryAfter;
      if (user.status !== undefined && user.status !== 200) {
        res.writeHead(user.status, headers).end(user.rawBody ?? JSON.stringify({ errors: [{ code: 0, message: 'Error' }] }));
        return;
      }
      const body = user.rawBody ?? JSON.stringify({
        description: user.description,
        created: '2019-04-01T12:00:00.000Z',
        isBanned: user.isBanned,
        externalAppDisplayName: null,
        hasVerifiedBadge: false,
        id: Number(id),
        name: user.name,
        displayName: user.displayName,
      });
      res.writeHead(200, headers).end(body);
    };
    if (user?.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, user.delayMs);
      timers.add(t);
    } else send();
  };

  const server: Server = createServer(answer);
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setUser(id, user = {}) {
      const full: FakeRobloxUser = { name: `dev_${id}`, displayName: `Dev ${id}`, description: '', isBanned: false, ...user };
      users.set(id, full);
      return full;
    },
    update(id, changes) {
      const user = users.get(id);
      if (!user) throw new Error(`no fake Roblox user ${id}`);
      users.set(id, { ...user, ...changes });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
