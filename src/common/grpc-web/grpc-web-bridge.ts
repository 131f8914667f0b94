import * as http2 from 'node:http2';
import { duplexPair, Readable, type Duplex } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { BRIDGE_METADATA_KEY, bridgeMarker } from './bridge-marker';
import { splitFrames, trailerFrame } from './frames';

export type GrpcWebMode = 'binary' | 'text';

export interface GrpcWebCall {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** The browser's request headers: everything not HTTP-specific becomes gRPC metadata. */
  readonly headers: IncomingHttpHeaders;
  /** The request body, base64-decoded for text mode: gRPC length-prefixed messages. */
  readonly body: Buffer;
  readonly mode: GrpcWebMode;
  readonly clientIp: string;
  readonly requestId: string;
  /** Aborted when the browser goes away: the gRPC call is cancelled. */
  readonly signal: AbortSignal;
}

export interface GrpcWebAnswer {
  /** Response headers (HTTP 200 always: gRPC-Web carries the status in grpc-status). */
  readonly headers: Record<string, string | string[]>;
  /** The gRPC-Web body (text mode: base64, one padded chunk per frame); undefined for a trailers-only answer. */
  readonly body?: Readable;
}

/** Past this stream id the bridge opens a new connection (ids are odd numbers below 2^31). */
const MAX_STREAM_ID = 2 ** 31 - 1024;

/** HTTP request headers that are not gRPC metadata (or that the bridge sets itself). */
const NOT_METADATA = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings',
  'content-type', 'content-length', 'accept', 'accept-encoding', 'accept-language', 'origin', 'referer', 'cookie',
  'user-agent', 'x-grpc-web', 'x-user-agent', 'cache-control', 'pragma', 'priority', 'dnt',
  // The client address is resolved on the HTTP side (trusted proxies) and carried in the marker.
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip',
  'x-request-id', BRIDGE_METADATA_KEY,
]);

/** Response headers of grpc-js that HTTP sets on its own. */
const NOT_FORWARDED_BACK = new Set(['content-type', 'content-length', 'date']);

/**
 * gRPC-Web -> gRPC, byte for byte, like Envoy's grpc_web filter: each gRPC-Web call
 * becomes an HTTP/2 stream into the same in-process grpc-js server that serves native
 * gRPC (so the same guard, pipe, filter, interceptor, rate limits and metrics run), over
 * an in-memory connection handed to grpc-js' connection injector (no socket, no port).
 * Messages are never decoded: gRPC-Web frames are gRPC's length-prefixed messages, and
 * only the trailers differ (sent back as a body frame with flag 0x80).
 */
export class GrpcWebBridge {
  private session?: http2.ClientHttp2Session;

  constructor(private readonly inject: (connection: Duplex) => void) {}

  async call(call: GrpcWebCall): Promise<GrpcWebAnswer> {
    const contentType = call.mode === 'text' ? 'application/grpc-web-text+proto' : 'application/grpc-web+proto';
    let stream: http2.ClientHttp2Stream;
    try {
      stream = this.sessionFor().request({
        ...metadataOf(call.headers),
        ':method': 'POST',
        ':path': call.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        'x-request-id': call.requestId,
        [BRIDGE_METADATA_KEY]: bridgeMarker(call.mode === 'text' ? 'grpc-web-text' : 'grpc-web', call.clientIp),
      });
    } catch {
      // Node's HTTP/2 refuses some header values HTTP/1.1 lets through.
      return trailersOnly(contentType, GrpcStatus.INVALID_ARGUMENT, 'Request headers cannot be carried as gRPC metadata');
    }
    const cancel = (): void => void stream.close(http2.constants.NGHTTP2_CANCEL);
    if (call.signal.aborted) cancel();
    else call.signal.addEventListener('abort', cancel, { once: true });
    stream.once('close', () => call.signal.removeEventListener('abort', cancel));
    stream.end(call.body);

    const response = await new Promise<{ headers: http2.IncomingHttpHeaders; ended: boolean } | undefined>((resolve) => {
      stream.once('response', (headers, flags) => resolve({ headers, ended: (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0 }));
      stream.once('error', () => resolve(undefined));
      stream.once('close', () => resolve(undefined));
    });
    if (!response) return trailersOnly(contentType, statusOfReset(stream.rstCode), 'The call ended without a response');
    const headers = forwardedHeaders(response.headers);
    headers['content-type'] = contentType;
    // Trailers-only (an error before any message): the status travels in the HTTP headers.
    if (response.ended || response.headers['grpc-status'] !== undefined) {
      stream.resume();
      return { headers };
    }
    return { headers, body: Readable.from(gRpcWebBody(stream, call.mode), { objectMode: false }) };
  }

  /** Ends the in-memory connection (in-flight calls are cancelled). */
  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }

  /**
   * One multiplexed in-memory HTTP/2 connection, replaced once grpc-js closes it (GOAWAY at
   * shutdown) or its stream ids run low (2^31 per connection; the old one finishes its calls).
   */
  private sessionFor(): http2.ClientHttp2Session {
    const current = this.session;
    if (current && !current.closed && !current.destroyed) {
      if ((current.state.nextStreamID ?? 0) < MAX_STREAM_ID) return current;
      current.close();
    }
    const [client, server] = duplexPair();
    this.inject(server);
    const session = http2.connect('http://grpc-web-bridge.invalid', { createConnection: () => client });
    const forget = (): void => {
      if (this.session === session) this.session = undefined;
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    this.session = session;
    return session;
  }
}

/** The gRPC-Web body: the messages as grpc-js sent them, then the trailers frame. */
async function* gRpcWebBody(stream: http2.ClientHttp2Stream, mode: GrpcWebMode): AsyncGenerator<Buffer> {
  let trailers: http2.IncomingHttpHeaders | undefined;
  stream.once('trailers', (t: http2.IncomingHttpHeaders) => (trailers = t));
  try {
    if (mode === 'binary') {
      for await (const chunk of stream) yield chunk as Buffer;
    } else {
      // Base64 needs whole frames: each one is encoded (and padded) on its own.
      for await (const frame of splitFrames(stream)) yield Buffer.from(frame.toString('base64'));
    }
  } catch {
    trailers = undefined;
  }
  const end = trailers ? trailerOf(trailers) : { 'grpc-status': String(statusOfReset(stream.rstCode)), 'grpc-message': encodeURIComponent('The call ended without a status') };
  const frame = trailerFrame(end);
  yield mode === 'text' ? Buffer.from(frame.toString('base64')) : frame;
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || name.startsWith('sec-') || NOT_METADATA.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function forwardedHeaders(headers: http2.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || NOT_FORWARDED_BACK.has(name)) continue;
    out[name] = Array.isArray(value) ? value : String(value);
  }
  return out;
}

function trailerOf(trailers: http2.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(trailers)) {
    if (value === undefined || name.startsWith(':')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function trailersOnly(contentType: string, code: number, message: string): GrpcWebAnswer {
  return { headers: { 'content-type': contentType, 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) } };
}

/** The status a gRPC client reports for a stream reset without trailers. */
function statusOfReset(rstCode: number | undefined): number {
  if (rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) return GrpcStatus.UNAVAILABLE;
  if (rstCode === http2.constants.NGHTTP2_CANCEL) return GrpcStatus.CANCELLED;
  return GrpcStatus.INTERNAL;
}
