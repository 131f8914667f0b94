import type { DynamicModule } from '@nestjs/common';

/**
 * The process-wide handles of the optional telemetry backends (Sentry, OpenTelemetry).
 * This file imports no SDK: the interceptor and the filter ask it whether a backend is
 * running, and the SDKs are loaded (by init-telemetry) only when configured.
 */

/** What one RPC is, on either transport. */
export interface RpcCall {
  readonly transport: 'grpc' | 'grpc-web' | 'grpc-web-text' | 'http';
  /** `/auth.v1.AuthService/Authenticate` or `POST /v1/auth/authenticate` (the route template). */
  readonly method: string;
  readonly requestId: string;
  /** Incoming HTTP headers or gRPC metadata, for W3C trace context. */
  readonly carrier: Record<string, unknown>;
  /** The request (HTTP) or call (gRPC) object: the span is found again through it. */
  readonly key: object;
}

export interface RpcSpan {
  readonly traceId: string;
  /** Runs `fn` with this span active, so the PostgreSQL spans of its queries become children. */
  run<T>(fn: () => T): T;
  /** Ends the span once; later calls are ignored. */
  end(grpcStatus: number, httpStatus?: number): void;
}

export interface RpcTracer {
  start(call: RpcCall): RpcSpan;
  /** The trace id of the span started for this request or call, if any. */
  traceIdOf(key: object): string | undefined;
}

export interface ErrorContext {
  readonly requestId: string;
  readonly transport: string;
  readonly method: string;
  readonly traceId?: string;
}

export interface ErrorReporter {
  report(error: unknown, context: ErrorContext): void;
}

export interface TelemetryBackend {
  /** Sends what is buffered; resolves within its own bound. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

interface TelemetryState {
  initialised: boolean;
  tracer?: RpcTracer;
  reporter?: ErrorReporter;
  /** Nest modules the backends contribute (SentryModule). */
  readonly modules: DynamicModule[];
  readonly backends: TelemetryBackend[];
}

// On globalThis, not in a module variable: the --import instrument file and main.js may
// hold different instances of this module, and both must see one state.
const STATE = Symbol.for('auth-service.telemetry');

export function telemetryState(): TelemetryState {
  const g = globalThis as typeof globalThis & { [STATE]?: TelemetryState };
  return (g[STATE] ??= { initialised: false, modules: [], backends: [] });
}

/** The RPC tracer when OTLP_ENDPOINT is set, otherwise undefined (nothing to do). */
export function rpcTracer(): RpcTracer | undefined {
  return telemetryState().tracer;
}

/** The error reporter when SENTRY_DSN is set, otherwise undefined. */
export function errorReporter(): ErrorReporter | undefined {
  return telemetryState().reporter;
}

const FLUSH_BOUND_MS = 3000;

function bounded(p: Promise<unknown>): Promise<void> {
  return Promise.race([
    p.then(() => undefined, () => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, FLUSH_BOUND_MS).unref()),
  ]);
}

/** Exports buffered spans and sends queued error events (bounded: a dead collector cannot hold shutdown). */
export async function flushTelemetry(): Promise<void> {
  await Promise.all(telemetryState().backends.map((b) => bounded(b.flush())));
}

/** Flushes and stops the backends; the process is about to exit. */
export async function shutdownTelemetry(): Promise<void> {
  const state = telemetryState();
  await Promise.all(state.backends.map((b) => bounded(b.shutdown())));
  state.backends.length = 0;
  state.tracer = undefined;
  state.reporter = undefined;
}
