import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config';
import { requestContext, requestIdFrom } from './request-context';

/** Keys whose values are never written to a log line, at any of the first levels of nesting. */
const SECRET_KEYS = [
  'password', 'newPassword', 'currentPassword', 'new_password', 'current_password',
  'passwordHash', 'password_hash', 'token', 'accessToken', 'refreshToken', 'access_token', 'refresh_token',
  'setupToken', 'challengeToken', 'code', 'secret', 'authorization', 'cookie', 'set-cookie',
];

export function redactPaths(): string[] {
  const paths = ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'];
  for (const key of SECRET_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    paths.push(`${k}`, `*${dot}${k}`, `*.*${dot}${k}`);
  }
  return paths;
}

export function loggerParams(config: AppConfig, stream?: NodeJS.WritableStream): Params {
  const level = config.observability.logLevel;
  return {
    // nestjs-pino's request logging under Nest 12 + Fastify needs the named wildcard.
    forRoutes: ['{*splat}'],
    pinoHttp: [{
      level,
      redact: { paths: redactPaths(), censor: '[redacted]' },
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      // Fastify already assigned the id (see bootstrap); pino-http reuses it.
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? requestIdFrom(req.headers['x-request-id']),
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => (res.statusCode >= 500 || err ? 'warn' : 'info'),
      customErrorMessage: (_req: IncomingMessage, res: ServerResponse) => `request failed with status ${res.statusCode}`,
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/metrics' || (req.url ?? '').startsWith('/health') },
      // gRPC calls have no pino-http request: the id comes from the async context.
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
    }, stream ?? process.stdout] as Params['pinoHttp'],
  };
}

/** Query strings can carry tokens (verification links): never log them. */
function stripQuery(url: string | undefined): string | undefined {
  if (!url) return url;
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i) + '?[redacted]';
}
