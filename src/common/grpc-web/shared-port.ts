import type * as http from 'node:http';
import type * as http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { grpcWebModeOf } from './content-type';

/** What every HTTP/2 connection starts with (RFC 9113 §3.4); no HTTP/1.x request can. */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

type StreamListener = (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => void;

export interface SharedPort {
  /** Hands an in-memory connection to grpc-js (the gRPC-Web bridge's). */
  inject(connection: Duplex): void;
  /**
   * Shutdown: GOAWAY on every HTTP/2 connection (in-flight calls finish; reset after
   * `graceMs`); new HTTP/2 connections are refused from now on. HTTP/1.1 ones still reach
   * the HTTP server, which answers the draining 503 until it closes.
   */
  drain(graceMs: number): void;
}

/**
 * One listener for every protocol: each connection on the HTTP server's port is
 * looked at before anyone parses it. One that opens with the HTTP/2 preface (gRPC
 * clients, prior knowledge) goes to the in-process grpc-js server through its connection
 * injector, exactly as if grpc-js had accepted it (no per-call cost); any other goes to
 * the HTTP/1.1 server as usual (REST, gRPC-Web from browsers). On the HTTP/2 side,
 * streams with a gRPC-Web content type go to `onGrpcWebStream` instead of grpc-js.
 */
export function shareHttpPortWithGrpc(args: {
  httpServer: http.Server;
  grpcServer: Server;
  onGrpcWebStream: StreamListener;
  /** How long a connection may stay silent before it has said which protocol it speaks. */
  sniffTimeoutMs: number;
}): SharedPort {
  const { httpServer, grpcServer } = args;
  const injector = createInjector(grpcServer, args.onGrpcWebStream);
  const httpListeners = httpServer.listeners('connection') as ((socket: Socket) => void)[];
  httpServer.removeAllListeners('connection');
  let draining = false;

  httpServer.on('connection', (socket: Socket) => {
    let seen: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), args.sniffTimeoutMs);
    timer.unref();
    const settle = (): void => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('error', ignore);
      socket.removeListener('close', settle);
    };
    const onData = (chunk: Buffer): void => {
      seen = seen.length ? Buffer.concat([seen, chunk]) : chunk;
      const n = Math.min(seen.length, HTTP2_PREFACE.length);
      const http2 = seen.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
      if (http2 && seen.length < HTTP2_PREFACE.length) return; // a prefix of the preface so far
      settle();
      socket.pause();
      socket.unshift(seen);
      // Node's HTTP/2 session reads what is buffered on the socket first (the unshifted preface).
      if (http2) return draining ? void socket.destroy() : injector.injectConnection(socket);
      for (const listener of httpListeners) listener.call(httpServer, socket);
      // Paused above so nothing flows before the HTTP parser listens; it reads the unshifted bytes first.
      socket.resume();
    };
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    socket.on('data', onData);
    socket.once('close', settle);
  });

  return {
    inject: (connection) => injector.injectConnection(connection),
    drain(graceMs) {
      draining = true;
      injector.drain(graceMs);
    },
  };
}

/**
 * grpc-js' connection injector, with its HTTP/2 server's stream listener wrapped so that
 * gRPC-Web never reaches grpc-js: grpc-js takes every `application/grpc*` content type,
 * `application/grpc-web` included, and would answer it as native gRPC (trailers as HTTP/2
 * trailers, which gRPC-Web clients do not read). The injector does not expose that server;
 * it is the entry the injector added to grpc-js' own table of HTTP/2 servers.
 */
function createInjector(grpcServer: Server, onGrpcWebStream: StreamListener): ReturnType<Server['createConnectionInjector']> {
  const table = (grpcServer as unknown as { http2Servers?: Map<http2.Http2Server, unknown> }).http2Servers;
  const before = new Set(table?.keys() ?? []);
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  const added = [...(table?.keys() ?? [])].filter((s) => !before.has(s));
  if (added.length !== 1) throw new Error('grpc-js internals changed: the connection injector\'s HTTP/2 server was not found (gRPC-Web over HTTP/2 could reach grpc-js)');
  const h2 = added[0]!;
  const grpcListeners = h2.listeners('stream') as StreamListener[];
  h2.removeAllListeners('stream');
  h2.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, ...rest: unknown[]) => {
    if (grpcWebModeOf(headers['content-type']) !== undefined) return onGrpcWebStream(stream, headers);
    for (const listener of grpcListeners) listener.call(h2, stream, headers, ...rest);
  });
  return injector;
}
