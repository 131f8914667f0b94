import type { DynamicModule } from '@nestjs/common';
import type * as SentryNest from '@sentry/nestjs';
import type * as SentryNestSetup from '@sentry/nestjs/setup';
import type { AppConfig } from '../../config/app-config';
import { SERVICE_VERSION } from '../../version';
import { scrubEvent, scrubValue } from './sentry-scrub';
import type { ErrorReporter, TelemetryBackend } from './telemetry';

const FLUSH_TIMEOUT_MS = 2000;

/**
 * Sentry for errors only. Tracing stays with OpenTelemetry (OTLP_ENDPOINT): no
 * traces sample rate, no Sentry tracer provider (`enableOpenTelemetrySetup: false`,
 * so the OpenTelemetry globals stay ours) and no load-time code injection, which
 * only feeds Sentry's own spans. Events carry the OpenTelemetry trace id as a tag.
 */
export function startSentry(config: AppConfig): { reporter: ErrorReporter; backend: TelemetryBackend; module: DynamicModule } {
  // Required here, not at the top: without SENTRY_DSN the SDK is never loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Sentry = require('@sentry/nestjs') as typeof SentryNest;
  const { SentryModule } = require('@sentry/nestjs/setup') as typeof SentryNestSetup;
  /* eslint-enable @typescript-eslint/no-require-imports */

  Sentry.init({
    dsn: config.observability.sentryDsn!.reveal(),
    environment: config.observability.sentryEnvironment ?? config.nodeEnv,
    release: `${config.serviceName}@${SERVICE_VERSION}`,
    // Privacy (v11 replaced sendDefaultPii with dataCollection, whose defaults collect):
    // no user, client IP, cookies, headers, bodies, query strings or local variables (they
    // hold passwords); trace headers are not sent to third parties (Roblox, S3); and every
    // event is still cut down and scrubbed before it leaves (sentry-scrub.ts).
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
      graphQL: { document: false, variables: false },
      genAI: { inputs: false, outputs: false },
    },
    includeLocalVariables: false,
    enableOpenTelemetrySetup: false,
    enableRuntimeChannelInjection: false,
    tracePropagationTargets: [],
    integrations: [Sentry.httpIntegration({ sessions: false, maxRequestBodySize: 'none', spans: false, tracePropagation: false })],
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubValue(breadcrumb) as typeof breadcrumb,
  });

  const reporter: ErrorReporter = {
    report(error, context) {
      Sentry.withScope((scope) => {
        scope.setTags({
          request_id: context.requestId,
          transport: context.transport,
          rpc_method: context.method,
          ...(context.traceId ? { trace_id: context.traceId } : {}),
        });
        scope.setTransactionName(context.method);
        // The event's trace context names the OpenTelemetry trace, so the trace id Sentry
        // shows is the one to look up in the tracing backend.
        if (context.traceId) scope.setPropagationContext({ traceId: context.traceId, sampleRand: Math.random() });
        Sentry.captureException(error, { mechanism: { handled: true, type: 'auto.nestjs.all_exceptions_filter' } });
      });
    },
  };
  const backend: TelemetryBackend = {
    flush: async () => void (await Sentry.flush(FLUSH_TIMEOUT_MS)),
    shutdown: async () => void (await Sentry.close(FLUSH_TIMEOUT_MS)),
  };
  return { reporter, backend, module: SentryModule.forRoot() };
}
