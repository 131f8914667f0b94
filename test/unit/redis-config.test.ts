import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { configProblemsOf } from '../support/config-problems';
import { describeRedisError } from '../../src/common/rate-limit/redis-client';


describe('REDIS_URL configuration', () => {
  it('is optional: without it the rate limiter counts per process', () => {
    const c = loadConfig({});
    expect(c.redis).toEqual({ url: undefined, keyPrefix: 'auth-service:', timeoutMs: 250 });
  });

  it('is a secret: read from REDIS_URL_FILE, never printed with the config', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-url-'));
    const file = path.join(dir, 'redis-url');
    writeFileSync(file, 'redis://:file-pass-123@redis.internal:6380/2\n');
    const c = loadConfig({ REDIS_URL: 'redis://plain:6379', REDIS_URL_FILE: file });
    expect(c.redis.url?.reveal()).toBe('redis://:file-pass-123@redis.internal:6380/2');
    expect(inspect(c, { depth: 5 })).not.toContain('file-pass-123');
    expect(JSON.stringify(c)).not.toContain('file-pass-123');
  });

  it('refuses what is not a redis:// or rediss:// URL, naming the variable and never the value', () => {
    for (const bad of ['http://:pw-secret-1@redis:6379', 'not a url pw-secret-1', 'redis://:pw-secret-1@redis:6379/cache']) {
      const problems = configProblemsOf({ REDIS_URL: bad }).join('\n');
      expect(problems).toMatch(/^REDIS_URL /);
      expect(problems).not.toContain('pw-secret-1');
    }
    expect(configProblemsOf({ REDIS_URL: 'rediss://user:pw@redis:6380/0' })).toEqual([]);
    expect(configProblemsOf({ REDIS_TIMEOUT_MS: '0' }).join()).toMatch(/REDIS_TIMEOUT_MS/);
  });

  it('error text logged about Redis never carries credentials', () => {
    expect(describeRedisError(new Error('connect to redis://app:pw-secret-2@redis:6379 failed'))).toBe('connect to redis://[redacted]@redis:6379 failed');
  });
});
