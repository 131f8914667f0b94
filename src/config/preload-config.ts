import { loadConfig, type AppConfig } from './app-config';
import { environmentWithDotEnv } from './dotenv';

/**
 * The configuration as code preloaded before main.js sees it (src/instrument.ts), from
 * the same environment (.env included). Undefined when it cannot be read or is invalid:
 * main.ts then reports every problem and exits, so nothing is reported twice.
 */
export function preloadConfig(): AppConfig | undefined {
  try {
    return loadConfig(environmentWithDotEnv());
  } catch {
    return undefined;
  }
}
