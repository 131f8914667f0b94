import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseEnv } from 'node:util';
import type { Env } from './env-reader';

/**
 * The environment the service configures itself from: the variables of `.env` in the
 * working directory, when that file exists, under the real environment, which wins
 * (so `cp .env.example .env && npm start` works, and a deployment's variables are never
 * overridden by a stray file). Values are parsed by Node's own dotenv parser.
 */
export function environmentWithDotEnv(env: NodeJS.ProcessEnv = process.env, file = path.resolve('.env')): Env {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return env;
    throw new Error(`Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return { ...parseEnv(text), ...env };
}
