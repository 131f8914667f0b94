import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Probed every few seconds: a line each would drown the log. */
function isProbe(url: string): boolean {
  return url === '/metrics' || url.startsWith('/health');
}

/**
 * One line per answered REST request (gRPC-Web over HTTP/1.1 included): info, or warn
 * for a 5xx, with the request id, method, path without its query, status and time.
 *
 * A Fastify onResponse hook instead of pino-http's middleware: that one built a child
 * logger, response listeners and an async-context scope for every request before the
 * handler ran, whether a line would be written or not, a third of the CPU of a
 * token-checked REST read (BENCHMARKS.md). Here a request whose line is below the level
 * costs one comparison. Lines written while a handler runs still carry the request id:
 * the MetricsInterceptor runs handlers in requestContext, which the logger's mixin reads.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (req, reply, done) => {
    const statusCode = reply.statusCode;
    const failed = statusCode >= 500;
    if (logger.isLevelEnabled(failed ? 'warn' : 'info') && !isProbe(req.url)) {
      // pino-http's serializers (on the root logger) read the raw response: headersSent, statusCode.
      const line = { requestId: req.id, req, res: reply.raw, responseTime: Math.round(reply.elapsedTime) };
      if (failed) logger.warn(line, `request failed with status ${statusCode}`);
      else logger.info(line, 'request completed');
    }
    done();
  });
}
