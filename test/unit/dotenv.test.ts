import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { environmentWithDotEnv } from '../../src/config/dotenv';
import { APP_ROOT } from '../../src/paths';

describe('.env at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-dotenv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file when present, and the real environment wins', async () => {
    const file = path.join(dir, '.env');
    await writeFile(file, 'PORT=9090\nLOG_LEVEL=debug # a comment\nAPP_URL="https://app.example.com"\n');
    const env = environmentWithDotEnv({ PORT: '7070' }, file);
    expect(env.PORT).toBe('7070');
    expect(env.LOG_LEVEL).toBe('debug');
    expect(loadConfig(env).http.port).toBe(7070);
    expect(loadConfig(env).mail.appUrl).toBe('https://app.example.com');
  });

  it('is the real environment alone when there is no file', () => {
    const env = { PORT: '7070' };
    expect(environmentWithDotEnv(env, path.join(dir, 'missing.env'))).toBe(env);
  });

  it('loads a copy of .env.example as it ships (cp .env.example .env && npm start)', async () => {
    const file = path.join(dir, 'example.env');
    await writeFile(file, await readFile(path.join(APP_ROOT, '.env.example'), 'utf8'));
    const config = loadConfig(environmentWithDotEnv({}, file));
    expect(config.http.port).toBe(8080);
    expect(config.db.url).toBeUndefined();
  });
});
