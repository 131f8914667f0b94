import * as http2 from 'node:http2';
import { pipeline } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { requestIdFrom } from '../observability/request-context';
import type { RequestOrigin } from '../network/request-origin';
import { GRPC_WEB_CONTENT_TYPE, grpcWebModeOf } from './content-type';
import { decodeBase64Body } from './frames';
import type { GrpcWebAnswer, GrpcWebBridge, GrpcWebMode } from './grpc-web-bridge';

/** The gRPC message limit (maxReceiveMessageLength) plus its prefix, as base64 in text mode. */
export const GRPC_WEB_BODY_LIMIT = Math.ceil(((4 * 1024 * 1024 + 5) * 4) / 3) + 4;

interface Deps {
  readonly bridge: GrpcWebBridge;
  readonly origin: RequestOrigin;
  readonly isDraining: () => boolean;
}

/** The request body as gRPC bytes, or the trailers-only answer refusing it. */
function decodeBody(mode: GrpcWebMode | 'unsupported', raw: Buffer): Buffer | GrpcWebAnswer {
  if (mode === 'unsupported') return refuse(GrpcStatus.UNIMPLEMENTED, 'Only the protobuf codec is served: application/grpc-web+proto or application/grpc-web-text+proto');
  if (mode === 'binary') return raw;
  return decodeBase64Body(raw.toString('latin1')) ?? refuse(GrpcStatus.INVALID_ARGUMENT, 'The gRPC-Web text body is not base64');
}

function refuse(code: number, message: string): GrpcWebAnswer {
  return { headers: { 'content-type': 'application/grpc-web+proto', 'grpc-status': String(code), 'grpc-message': encodeURIComponent(message) } };
}

const TOO_LARGE = refuse(GrpcStatus.RESOURCE_EXHAUSTED, 'The request body is larger than the message limit');

/**
 * gRPC-Web over HTTP/1.1 (what browsers send, through a TLS-terminating ingress) as
 * Fastify routes, so CORS, the request id, the draining 503 and the body limit of every
 * REST route apply: POST /<package.Service>/<Method> with a gRPC-Web content type.
 * Anything else on that path shape is a REST request to an unknown route (404).
 */
export function registerGrpcWebRoutes(fastify: FastifyInstance, deps: Deps): void {
  void fastify.register(async (scope) => {
    scope.addContentTypeParser(GRPC_WEB_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: GRPC_WEB_BODY_LIMIT }, (_req, body, done) => done(null, body));
    // A body over the limit is refused by Fastify before the handler runs; a gRPC-Web client
    // gets it as a gRPC status (as on HTTP/2), not as an HTTP 413 it would read as UNKNOWN.
    scope.setErrorHandler((error: { code?: string }, req, reply) => {
      if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE' || !grpcWebModeOf(req.headers['content-type'])) throw error;
      return reply.status(200).headers(TOO_LARGE.headers).send('');
    });
    scope.post('/:service/:method', { bodyLimit: GRPC_WEB_BODY_LIMIT }, async (req: FastifyRequest, reply: FastifyReply) => {
      const mode = grpcWebModeOf(req.headers['content-type']);
      const { service, method } = req.params as { service: string; method: string };
      if (!mode || !service.includes('.')) return reply.callNotFound();
      const body = decodeBody(mode, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
      let answer: GrpcWebAnswer;
      if (Buffer.isBuffer(body)) {
        // The browser leaving (tab closed, stream abandoned) cancels the gRPC call.
        const abort = new AbortController();
        reply.raw.once('close', () => abort.abort());
        answer = await deps.bridge.call({
          path: `/${service}/${method}`, headers: req.headers, body, mode: mode as GrpcWebMode,
          clientIp: deps.origin.ofHttp(req), requestId: String(req.id), signal: abort.signal,
        });
      } else {
        answer = body;
      }
      void reply.status(200).headers(answer.headers);
      return reply.send(answer.body ?? '');
    });
  });
}

/**
 * gRPC-Web over HTTP/2 cleartext: streams with a gRPC-Web content type on a connection
 * the shared port handed to grpc-js are answered here instead (grpc-js would take them
 * for native gRPC). No CORS here: browsers never speak cleartext HTTP/2.
 */
export function grpcWebStreamHandler(deps: Deps): (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => void {
  return (stream, headers) => {
    stream.on('error', () => undefined);
    const mode = grpcWebModeOf(headers['content-type'])!;
    const respond = (answer: GrpcWebAnswer): void => {
      if (stream.destroyed || stream.closed) return;
      stream.respond({ ':status': 200, ...answer.headers }, { endStream: !answer.body });
      if (answer.body) pipeline(answer.body, stream, () => undefined);
    };
    if (deps.isDraining()) {
      stream.resume();
      return respond(refuse(GrpcStatus.UNAVAILABLE, 'The service is shutting down; retry on another instance'));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > GRPC_WEB_BODY_LIMIT) {
        stream.pause();
        respond(TOO_LARGE);
        stream.close(http2.constants.NGHTTP2_NO_ERROR);
      } else chunks.push(chunk);
    });
    stream.once('end', () => {
      if (size > GRPC_WEB_BODY_LIMIT) return;
      const body = decodeBody(mode, Buffer.concat(chunks));
      if (!Buffer.isBuffer(body)) return respond(body);
      const abort = new AbortController();
      stream.once('close', () => abort.abort());
      const path = String(headers[':path'] ?? '');
      const socket = stream.session?.socket;
      deps.bridge
        .call({
          path, headers: headers as IncomingHttpHeaders, body, mode: mode as GrpcWebMode,
          clientIp: deps.origin.ofConnection(socket?.remoteAddress, headers as IncomingHttpHeaders),
          requestId: requestIdFrom(headers['x-request-id']), signal: abort.signal,
        })
        .then(respond, () => respond(refuse(GrpcStatus.INTERNAL, 'The call could not be forwarded')));
    });
  };
}
