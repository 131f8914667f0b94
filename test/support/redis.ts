import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { freePort } from './ports';

/** The shared Redis of the test run (see .ci/run). */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** A client for a test file's own keys: `prefix` is unique per call, so parallel files never share counters. */
export function testRedis(): { redis: Redis; prefix: string; keys(): Promise<string[]>; cleanUp(): Promise<void> } {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const prefix = `test:${randomUUID()}:`;
  const keys = async (): Promise<string[]> => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  };
  return {
    redis,
    prefix,
    keys,
    async cleanUp() {
      const found = await keys();
      if (found.length) await redis.del(...found);
      redis.disconnect();
    },
  };
}

/** A port below 32768 where nothing listens (connections are refused). */
export async function closedPort(): Promise<number> {
  return freePort();
}

/**
 * A relay to the test Redis that a test can freeze: while frozen, bytes in both
 * directions are held back (not lost), like a Redis that stopped answering;
 * thawing delivers them in order, so the client's replies stay in sequence.
 */
export class FreezableRelay {
  private frozen = false;
  private readonly held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private readonly server: Server;

  private constructor(readonly port: number, target: { host: string; port: number }) {
    this.server = createServer((client) => this.relay(client, createConnection(target.port, target.host)));
  }

  static async start(target = { host: '127.0.0.1', port: 6379 }): Promise<FreezableRelay> {
    const relay = new FreezableRelay(await freePort(), target);
    await new Promise<void>((resolve, reject) => {
      relay.server.once('error', reject);
      relay.server.listen(relay.port, '127.0.0.1', () => resolve());
    });
    return relay;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Chunks held back since freeze() (commands the service sent to the hung Redis, and their answers). */
  get heldCount(): number {
    return this.held.length;
  }

  thaw(): void {
    this.frozen = false;
    for (const send of this.held.splice(0)) send();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, upstream: Socket): void {
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (chunk: Buffer) => {
        const send = (): void => void to.write(chunk);
        if (this.frozen || this.held.length) this.held.push(send);
        else send();
      });
    };
    forward(client, upstream);
    forward(upstream, client);
  }
}
