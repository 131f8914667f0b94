import { ConfigError, loadConfig } from '../../src/config/app-config';

/** The problems loadConfig names for `env` (none when it loads). */
export function configProblemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}
