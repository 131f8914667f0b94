import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One exported span, flattened with its resource's attributes. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status: { code?: number; message?: string };
  readonly resource: Record<string, unknown>;
  readonly scope: string;
}

/**
 * An OTLP/HTTP traces receiver on 127.0.0.1 (POST /v1/traces). It decodes the
 * JSON encoding, the default of @opentelemetry/exporter-trace-otlp-http.
 */
export class OtlpSink {
  readonly spans: ReceivedSpan[] = [];
  readonly requests: { path: string; contentType: string }[] = [];

  private constructor(private readonly server: Server, readonly port: number) {}

  static async start(): Promise<OtlpSink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sink = new OtlpSink(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => {
      void readBody(req).then((body) => {
        const contentType = String(req.headers['content-type'] ?? '');
        sink.requests.push({ path: req.url ?? '', contentType });
        if (req.method === 'POST' && req.url === '/v1/traces' && contentType.startsWith('application/json')) {
          sink.spans.push(...decodeJsonExport(JSON.parse(body.toString('utf8'))));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    return sink;
  }

  /** The base URL to configure as OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every span below `root` (children, grandchildren ...). */
  descendantsOf(root: ReceivedSpan): ReceivedSpan[] {
    const out: ReceivedSpan[] = [];
    const queue = [root.spanId];
    while (queue.length) {
      const parent = queue.shift()!;
      for (const s of this.spans) {
        if (s.traceId === root.traceId && s.parentSpanId === parent) {
          out.push(s);
          queue.push(s.spanId);
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** JSON OTLP carries ids as hex; base64 (the protobuf-JSON mapping) is accepted too. */
function hexId(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function attributesOf(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of (list as { key: string; value: Record<string, unknown> }[] | undefined) ?? []) {
    const v = a.value ?? {};
    out[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v.arrayValue;
  }
  return out;
}

export function decodeJsonExport(body: any): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: hexId(s.traceId)!,
          spanId: hexId(s.spanId)!,
          parentSpanId: hexId(s.parentSpanId),
          name: s.name,
          kind: s.kind,
          attributes: attributesOf(s.attributes),
          status: s.status ?? {},
          resource,
          scope: ss.scope?.name ?? '',
        });
      }
    }
  }
  return spans;
}
