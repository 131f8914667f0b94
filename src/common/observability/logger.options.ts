import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { Counter, register } from 'prom-client';
import type { AppConfig } from '../../config/app-config';
import { requestContext } from './request-context';

/** Keys whose values are never written to a log line, at any depth a log object reaches. */
const SECRET_KEYS = new Set([
  'password', 'newpassword', 'currentpassword', 'new_password', 'current_password', 'passwordhash', 'password_hash',
  'token', 'accesstoken', 'refreshtoken', 'access_token', 'refresh_token', 'setuptoken', 'challengetoken',
  'code', 'secret', 'authorization', 'cookie', 'set-cookie', 'verificationid', 'verification_id',
  // OAuth: what a flow or a provider's answer carries.
  'codeverifier', 'code_verifier', 'idtoken', 'id_token', 'clientsecret', 'client_secret', 'nonce',
]);
const MAX_DEPTH = 6;

/**
 * Replaces secret values in the object of a log line. It runs only for lines
 * that are actually written: pino's path-based `redact` would also run on every
 * per-request child logger, a measurable cost on the hot path (BENCHMARKS.md).
 * Request headers are never logged at all (see the req serializer).
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  // Only plain data is rewritten; class instances (req, res, errors) are left to their serializers.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.has(k.toLowerCase()) ? '[redacted]' : redactSecrets(v, depth + 1);
  return out;
}

/** Log bytes waiting for stdout at most; beyond it lines are dropped and counted (see logDestination). */
export const LOG_BUFFER_MAX_BYTES = 8 * 1024 * 1024;
export const LOG_LINES_DROPPED = 'log_lines_dropped_total';

let stdoutDestination: pino.DestinationStream | undefined;

/**
 * stdout through pino's asynchronous destination (sonic-boom), bounded. Node's own
 * process.stdout queues writes without limit when the reader of a pipe is slow (a log
 * collector that stalls): hundreds of MB within a second under load. A synchronous
 * destination would instead stop the event loop, and every request with it, until the
 * collector reads again. Here a write never blocks; lines that would grow the queue past
 * LOG_BUFFER_MAX_BYTES are dropped and counted in log_lines_dropped_total, and what is
 * queued is flushed synchronously when the process exits. minLength 0: a line goes out at
 * once when no write is in progress (no delay at low traffic); under load the lines that
 * arrive during a write leave together in the next one.
 */
export function logDestination(): pino.DestinationStream {
  if (stdoutDestination) return stdoutDestination;
  const dropped = (register.getSingleMetric(LOG_LINES_DROPPED) as Counter | undefined)
    ?? new Counter({ name: LOG_LINES_DROPPED, help: 'Log lines dropped because stdout was not read fast enough' });
  return (stdoutDestination = boundedDestination(1, LOG_BUFFER_MAX_BYTES, (lines) => dropped.inc(lines)));
}

/** An asynchronous pino destination on `fd` that queues at most `maxBytes`; `onDrop` gets the number of lines it dropped. */
export function boundedDestination(fd: number, maxBytes: number, onDrop: (lines: number) => void): pino.DestinationStream {
  const dest = pino.destination({ dest: fd, sync: false, minLength: 0, maxLength: maxBytes });
  dest.on('drop', (data: string | Buffer) => {
    const text = String(data);
    let lines = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    onDrop(Math.max(1, lines));
  });
  return dest;
}

export function loggerParams(config: AppConfig, stream?: NodeJS.WritableStream): Params {
  const level = config.observability.logLevel;
  return {
    // No per-request middleware: REST requests are logged by logRequests (access-log.ts),
    // which costs nothing for a line below the level. These options build the one root
    // logger that Nest's Logger, PinoLogger and the request log share.
    forRoutes: [],
    pinoHttp: [{
      level,
      formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown> },
      // The request id of the call being handled (either transport), from the async context.
      mixin: (_merge: object, _level: number, logger: { bindings(): Record<string, unknown> }) => {
        const ctx = requestContext.getStore();
        return ctx && !('requestId' in logger.bindings()) ? { requestId: ctx.requestId } : {};
      },
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: stripQuery(req.url) }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: (err: { type?: string; message?: string }) => ({ type: err.type, message: err.message }),
      },
      transport: stream || config.observability.jsonLogs || level === 'silent' ? undefined : { target: 'pino-pretty', options: { singleLine: true } },
    }, stream ?? (config.observability.jsonLogs || level === 'silent' ? logDestination() : process.stdout)] as Params['pinoHttp'],
  };
}

/** Query strings can carry tokens (verification links): never log them. */
function stripQuery(url: string | undefined): string | undefined {
  if (!url) return url;
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i) + '?[redacted]';
}
