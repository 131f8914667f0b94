/**
 * Preloaded before the application: `node --import ./dist/instrument.js dist/main.js`
 * (npm start and the image's CMD, which the Helm chart runs). Sentry asks to be
 * initialised before anything else loads, and instrumentation-pg must hook `pg` before
 * it is first required. With neither SENTRY_DSN nor OTLP_ENDPOINT set it only reads the
 * configuration (modules main.js loads anyway) and loads no SDK.
 */
import { initTelemetry } from './common/observability/init-telemetry';
import { preloadConfig } from './config/preload-config';

const config = preloadConfig();
if (config) initTelemetry(config);
