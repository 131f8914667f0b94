import type { AppConfig } from '../../config/app-config';
import { startSentry } from './sentry-reporter';
import { startTracing } from './otel-tracer';
import { telemetryState } from './telemetry';

/**
 * Starts the configured telemetry backends, once per process: Sentry when SENTRY_DSN
 * is set, OpenTelemetry tracing when OTLP_ENDPOINT is set. Without either it loads
 * no SDK module at all. Synchronous on purpose: called from the --import instrument
 * file, it has hooked `pg` and initialised Sentry before main.js starts loading.
 */
export function initTelemetry(config: AppConfig): void {
  const state = telemetryState();
  if (state.initialised) return;
  state.initialised = true;
  if (config.observability.otlpEndpoint) {
    const { tracer, backend } = startTracing(config);
    state.tracer = tracer;
    state.backends.push(backend);
  }
  if (config.observability.sentryDsn) {
    const { reporter, backend, module } = startSentry(config);
    state.reporter = reporter;
    state.backends.push(backend);
    state.modules.push(module);
  }
}
