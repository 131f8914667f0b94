import { ConsoleLogger, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from './config/app-config';
import type { Clock } from './common/clock';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { DomainError } from './common/errors/domain-error';
import { toErrorView } from './common/errors/error-view';
import { toRestErrorBody } from './common/errors/rest-error-body';
import { JwtAuthGuard } from './common/auth/jwt-auth.guard';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard';
import { heapPressure } from './common/concurrency/heap-pressure';
import { LoadShedGuard, shedHttpUnderHeapPressure } from './common/concurrency/load-shedding';
import { logRequests } from './common/observability/access-log';
import { MetricsInterceptor } from './common/observability/metrics.interceptor';
import { AppValidationPipe } from './common/validation/validation.pipe';
import { grpcOptions } from './common/grpc/grpc-options';
import { setupOpenApi } from './openapi';
import { requestIdFrom } from './common/observability/request-context';
import { flushTelemetry } from './common/observability/telemetry';
import { AppModule } from './app.module';
import { ReadinessService } from './modules/health/readiness.service';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres';
import { RequestOrigin } from './common/network/request-origin';
import { InProcessGrpcServer } from './common/grpc-web/in-process-grpc-server';
import { GrpcWebBridge } from './common/grpc-web/grpc-web-bridge';
import { GRPC_WEB_EXPOSED_HEADERS } from './common/grpc-web/content-type';
import { grpcWebStreamHandler, registerGrpcWebRoutes } from './common/grpc-web/grpc-web-routes';
import { shareHttpPortWithGrpc, type SharedPort } from './common/grpc-web/shared-port';

/** How long a new connection on PORT may stay silent before it has shown which protocol it speaks. */
const PROTOCOL_SNIFF_TIMEOUT_MS = 10_000;

export interface RunningApp {
  readonly app: NestFastifyApplication;
  readonly httpPort: number;
  /** The separate gRPC listener's port; 0 when GRPC_PORT=0 (gRPC on httpPort only). */
  readonly grpcPort: number;
  /** Readiness 503 first, then servers drain (bounded), then the pool and the embedded database close; telemetry is flushed last. */
  shutdown(reason?: string): Promise<void>;
}

export interface StartOptions {
  readonly clock?: Clock;
  /** Where JSON log lines go (tests capture them); stdout by default. */
  readonly logStream?: NodeJS.WritableStream;
}

/**
 * Starts the whole service: database (embedded by default); REST, gRPC and gRPC-Web on
 * PORT (and gRPC alone on GRPC_PORT unless 0), all on one set of providers.
 */
export async function startApp(config: AppConfig, options: StartOptions = {}): Promise<RunningApp> {
  // Before the app (and pino) exists: the same JSON-or-pretty choice as the rest of the log.
  NestLogger.overrideLogger(new ConsoleLogger({ json: config.observability.jsonLogs, colors: !config.observability.jsonLogs }));
  const bootLogger = new NestLogger('Bootstrap');
  let embedded: EmbeddedDatabase | undefined;
  if (!config.db.url) embedded = await startEmbeddedPostgres(config, bootLogger);
  try {
    const dbUrl = config.db.url ?? embedded!.url;
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, database: { url: dbUrl, migrate: embedded !== undefined || config.db.migrateOnStart }, clock: options.clock, logStream: options.logStream }),
      new FastifyAdapter({
        bodyLimit: 1024 * 1024,
        trustProxy: false,
        // Requests arriving while the server drains get the REST error envelope from the
        // onRequest hook below (Fastify's own 503 body is not the API's envelope).
        return503OnClosing: false,
        forceCloseConnections: 'idle',
        requestIdHeader: false,
        genReqId: (req: { headers: Record<string, unknown> }) => requestIdFrom(req.headers['x-request-id']),
        // Errors Fastify raises before routing (malformed URL, path parameter too long)
        // never reach Nest's filter: the same envelope is rendered here.
        frameworkErrors: (error: Error, _req: unknown, reply: FastifyReply) => {
          const view = toErrorView(error);
          void reply.status(view.httpStatus).type('application/json').send(toRestErrorBody(view));
        },
      }),
      { bufferLogs: true, abortOnError: false },
    );
    app.useLogger(app.get(Logger));
    // Set by the Logger just resolved: the root logger every line goes through.
    logRequests(app.getHttpAdapter().getInstance(), PinoLogger.root);
    const readiness = app.get(ReadinessService);
    const draining = toRestErrorBody(toErrorView(new DomainError('SERVICE_UNAVAILABLE', 'The service is shutting down; retry on another instance', { retryAfterSeconds: 1 })));
    app.getHttpAdapter().getInstance().addHook('onRequest', (req, reply, done) => {
      reply.header('x-request-id', req.id);
      if (!readiness.isShuttingDown) return done();
      // A request that arrives once shutdown has begun is not started: in-flight ones finish.
      void reply.status(503).header('retry-after', '1').header('connection', 'close').type('application/json').send(draining);
    });
    // Close only reaps keep-alive sockets idle at that moment; one whose request was still
    // running would stay open (keepAliveTimeout, 72 s) and hold shutdown to the full grace.
    app.getHttpAdapter().getInstance().addHook('onSend', (_req, reply, payload, done) => {
      if (readiness.isShuttingDown) reply.header('connection', 'close');
      done(null, payload);
    });
    // Near the heap cap (start flags) new requests are refused instead of the process dying.
    heapPressure.start();
    shedHttpUnderHeapPressure(app.getHttpAdapter().getInstance());
    app.flushLogs();
    // Request headers are reflected from the preflight (gRPC-Web clients send their metadata as
    // headers: x-grpc-web, x-user-agent, grpc-timeout, authorization...); the gRPC status travels
    // in response headers a browser script may only read when exposed.
    if (config.http.corsAllowOrigins.length) app.enableCors({ origin: [...config.http.corsAllowOrigins], credentials: false, exposedHeaders: [...GRPC_WEB_EXPOSED_HEADERS] });

    // Registered on the app and inherited by the gRPC server: one pipeline for both transports.
    app.useGlobalFilters(app.get(AllExceptionsFilter));
    app.useGlobalPipes(app.get(AppValidationPipe));
    app.useGlobalGuards(new LoadShedGuard(), app.get(RateLimitGuard), app.get(JwtAuthGuard));
    app.useGlobalInterceptors(app.get(MetricsInterceptor));

    const separateGrpc = config.grpc.port !== 0;
    const grpcUrl = `${config.grpc.host}:${config.grpc.port}`;
    const grpc = grpcOptions({ url: grpcUrl, reflection: config.grpc.reflection, health: readiness.grpcHealth });
    const grpcServer = new InProcessGrpcServer({ ...grpc.options, gracefulShutdown: true }, separateGrpc);
    app.connectMicroservice({ strategy: grpcServer }, { inheritAppConfig: true });
    setupOpenApi(app);

    // gRPC-Web is bridged into the same grpc-js server (see GrpcWebBridge); the bridge's
    // in-memory connections enter through the shared port's injector, created below.
    const port: { shared?: SharedPort } = {};
    const bridge = new GrpcWebBridge((connection) => port.shared!.inject(connection));
    const grpcWeb = { bridge, origin: app.get(RequestOrigin), isDraining: () => readiness.isShuttingDown };
    registerGrpcWebRoutes(app.getHttpAdapter().getInstance(), grpcWeb);
    await app.startAllMicroservices();
    const sharedPort = (port.shared = shareHttpPortWithGrpc({
      httpServer: app.getHttpServer(),
      grpcServer: grpcServer.grpcServer(),
      onGrpcWebStream: grpcWebStreamHandler(grpcWeb),
      sniffTimeoutMs: PROTOCOL_SNIFF_TIMEOUT_MS,
    }));
    await app.listen({ port: config.http.port, host: config.http.host });

    const httpPort = (app.getHttpServer().address() as { port: number }).port;
    bootLogger.log(`REST, gRPC and gRPC-Web on :${httpPort}${separateGrpc ? `, gRPC also on ${grpcUrl}` : ''}`);

    let closing: Promise<void> | undefined;
    const shutdown = (reason = 'shutdown'): Promise<void> =>
      (closing ??= (async () => {
        bootLogger.log(`Shutting down (${reason})`);
        readiness.beginShutdown();
        // GOAWAY on PORT's HTTP/2 connections now: grpc-js would only send it once the HTTP
        // server has closed, and that waits for those very connections.
        sharedPort.drain(config.shutdownGraceMs);
        const closed = app.close().then(() => true);
        const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), config.shutdownGraceMs).unref());
        if (!(await Promise.race([closed, timedOut]))) bootLogger.warn(`In-flight work did not finish within ${config.shutdownGraceMs} ms`);
        await embedded?.stop();
        // The spans and error events of the last requests leave before the process exits (bounded).
        await flushTelemetry();
      })());
    return { app, httpPort, grpcPort: config.grpc.port, shutdown };
  } catch (e) {
    await embedded?.stop().catch(() => undefined);
    throw e;
  }
}
