import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface EnvelopeItem {
  readonly type: string;
  readonly payload: any;
}

export interface Envelope {
  readonly header: Record<string, unknown>;
  readonly items: readonly EnvelopeItem[];
  /** The whole request body as received (decompressed): what a leak check searches. */
  readonly raw: string;
}

/**
 * A stand-in for Sentry's ingestion endpoint on 127.0.0.1: the SDK posts envelopes
 * (a header line, then an item header and payload per item) to /api/<project>/envelope/.
 */
export class SentrySink {
  readonly envelopes: Envelope[] = [];

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<SentrySink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new SentrySink(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => {
      void readBody(req).then((body) => {
        if (req.method === 'POST' && /^\/api\/\d+\/envelope\/?/.test(req.url ?? '')) sink.envelopes.push(parseEnvelope(body));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    return sink;
  }

  /** A DSN that points the SDK at this sink. */
  get dsn(): string {
    return `http://publickey@127.0.0.1:${this.port}/1`;
  }

  /** Error events received so far (envelope items of type `event`). */
  events(): any[] {
    return this.envelopes.flatMap((e) => e.items.filter((i) => i.type === 'event').map((i) => i.payload));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
}

/** Envelope items are JSON lines unless their header gives a byte length. */
export function parseEnvelope(raw: string): Envelope {
  const buf = Buffer.from(raw, 'utf8');
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf(0x0a, pos);
    const text = buf.subarray(pos, end < 0 ? buf.length : end).toString('utf8');
    pos = end < 0 ? buf.length : end + 1;
    return text;
  };
  const header = JSON.parse(line()) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (pos < buf.length) {
    const itemLine = line();
    if (itemLine.trim() === '') continue;
    const itemHeader = JSON.parse(itemLine) as { type: string; length?: number };
    let payloadText: string;
    if (typeof itemHeader.length === 'number') {
      payloadText = buf.subarray(pos, pos + itemHeader.length).toString('utf8');
      pos += itemHeader.length + 1;
    } else {
      payloadText = line();
    }
    let payload: unknown = payloadText;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      // attachments and other binary items stay text
    }
    items.push({ type: itemHeader.type, payload });
  }
  return { header, items, raw };
}
