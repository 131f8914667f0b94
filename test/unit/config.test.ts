import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { configProblemsOf } from '../support/config-problems';


describe('configuration', () => {
  it('has working defaults for development (npm start with nothing set)', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.grpc.port).toBe(50051);
    expect(c.grpc.reflection).toBe(true);
    expect(c.db.url).toBeUndefined();
    expect(c.jwt.accessTokenTtlMinutes).toBe(60);
    expect(c.sessions.refreshTokenTtlDays).toBe(90);
    expect(c.signIn.maxFailedAttempts).toBe(5);
    expect(Object.isFrozen(c.http)).toBe(true);
  });

  it('reads the expiry sweep period from EXPIRY_SWEEP_INTERVAL_SECONDS, or its old name SESSION_CLEANUP_INTERVAL_SECONDS', () => {
    expect(loadConfig({}).maintenance.expirySweepIntervalSeconds).toBe(3600);
    expect(loadConfig({ EXPIRY_SWEEP_INTERVAL_SECONDS: '120' }).maintenance.expirySweepIntervalSeconds).toBe(120);
    expect(loadConfig({ SESSION_CLEANUP_INTERVAL_SECONDS: '0' }).maintenance.expirySweepIntervalSeconds).toBe(0);
    // Both set: the new name wins; a bad old value is still reported under its own name.
    expect(loadConfig({ EXPIRY_SWEEP_INTERVAL_SECONDS: '60', SESSION_CLEANUP_INTERVAL_SECONDS: '900' }).maintenance.expirySweepIntervalSeconds).toBe(60);
    expect(configProblemsOf({ SESSION_CLEANUP_INTERVAL_SECONDS: '-1' })).toEqual(['SESSION_CLEANUP_INTERVAL_SECONDS must be an integer from 0 to 86400']);
  });

  it('names every bad variable at once and never prints a value', () => {
    const problems = configProblemsOf({ PORT: 'eighty', GRPC_PORT: '70000', JWT_SECRET_KEY: 'short-secret-value', DB_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    const text = problems.join('\n');
    for (const name of ['PORT', 'GRPC_PORT', 'JWT_SECRET_KEY', 'DB_URL', 'LOG_LEVEL']) expect(text).toContain(name);
    for (const value of ['eighty', '70000', 'short-secret-value', 'mysql://x', 'loud']) expect(text).not.toContain(value);
  });

  it('requires a signing key in production and turns reflection off there', () => {
    expect(configProblemsOf({ NODE_ENV: 'production' }).join()).toMatch(/JWT_SECRET_KEY or JWT_PRIVATE_KEY/);
    const c = loadConfig({ NODE_ENV: 'production', JWT_SECRET_KEY: 'k'.repeat(40) });
    expect(c.grpc.reflection).toBe(false);
    expect(c.observability.jsonLogs).toBe(true);
  });

  it('reads NAME_FILE, which wins over NAME, and redacts secrets wherever they are printed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'jwt');
    writeFileSync(file, 'from-file-secret-0123456789-0123456789\n');
    const c = loadConfig({ JWT_SECRET_KEY: 'from-env-secret-0123456789-0123456789', JWT_SECRET_KEY_FILE: file });
    expect(c.jwt.secretKey?.reveal()).toBe('from-file-secret-0123456789-0123456789');
    for (const printed of [JSON.stringify(c), inspect(c, { depth: 10 }), String(c.jwt.secretKey)]) {
      expect(printed).not.toContain('from-file-secret');
      expect(printed).toContain('[redacted]');
    }
    expect(configProblemsOf({ SMTP_PASSWORD_FILE: path.join(dir, 'missing') }).join()).toMatch(/SMTP_PASSWORD_FILE cannot be read/);
  });
});

describe('log redaction', () => {
  it('replaces secret values at any depth and keeps the rest', async () => {
    const { redactSecrets } = await import('../../src/common/observability/logger.options');
    const out = redactSecrets({ msg: 'x', password: 'p1', nested: { refreshToken: 'r1', list: [{ Authorization: 'Bearer t' }], keep: 1 } });
    expect(out).toEqual({ msg: 'x', password: '[redacted]', nested: { refreshToken: '[redacted]', list: [{ Authorization: '[redacted]' }], keep: 1 } });
  });
});
