import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/app-config';
import { configProblemsOf } from '../support/config-problems';

const REDIRECT = 'https://app.example.com/oauth/callback';

describe('OAuth configuration (OAUTH_*)', () => {
  it('has no provider by default; a client id turns one on with its default issuer', () => {
    expect(loadConfig({}).oauth.providers).toEqual({});
    const c = loadConfig({ OAUTH_REDIRECT_URIS: REDIRECT, OAUTH_GOOGLE_CLIENT_ID: 'id', OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret' });
    expect(c.oauth.providers.google).toMatchObject({ clientId: 'id', issuer: 'https://accounts.google.com', redirectUris: [REDIRECT] });
    expect(c.oauth).toMatchObject({ flowTtlMinutes: 10, httpTimeoutMs: 5000, allowInsecureHttp: false });
    expect(inspect(c.oauth)).not.toContain('google-secret');
    const github = loadConfig({ OAUTH_REDIRECT_URIS: REDIRECT, OAUTH_GITHUB_CLIENT_ID: 'id', OAUTH_GITHUB_CLIENT_SECRET: 's', OAUTH_GITHUB_REDIRECT_URIS: 'https://other.example.com/cb' });
    expect(github.oauth.providers.github).toMatchObject({ issuer: 'https://github.com', apiUrl: 'https://api.github.com', redirectUris: ['https://other.example.com/cb'] });
  });

  it('names a missing secret, issuer or allowlist, a malformed redirect URI, never a value', () => {
    const problems = configProblemsOf({
      OAUTH_GOOGLE_CLIENT_ID: 'id', OAUTH_OIDC_CLIENT_ID: 'id', OAUTH_OIDC_CLIENT_SECRET: 'the-oidc-secret',
      OAUTH_GITHUB_CLIENT_ID: 'id', OAUTH_GITHUB_CLIENT_SECRET: 's', OAUTH_GITHUB_REDIRECT_URIS: 'https://app.example.com/cb?next=/x',
    }).join('\n');
    expect(problems).toContain('OAUTH_GOOGLE_CLIENT_SECRET');
    expect(problems).toContain('OAUTH_OIDC_ISSUER is required');
    expect(problems).toContain('OAUTH_REDIRECT_URIS (or OAUTH_GOOGLE_REDIRECT_URIS) is required');
    expect(problems).toContain('OAUTH_GITHUB_REDIRECT_URIS entries must be absolute URLs in normalised form without query or fragment');
    expect(problems).not.toContain('the-oidc-secret');
    expect(configProblemsOf({ OAUTH_REDIRECT_URIS: 'https://APP.example.com/cb' }).join()).toMatch(/OAUTH_REDIRECT_URIS entries must be/);
  });

  it('allows http:// issuers only with OAUTH_ALLOW_INSECURE_HTTP, which production refuses', () => {
    const env = { OAUTH_REDIRECT_URIS: REDIRECT, OAUTH_OIDC_CLIENT_ID: 'id', OAUTH_OIDC_CLIENT_SECRET: 's', OAUTH_OIDC_ISSUER: 'http://127.0.0.1:8081/realms/x' };
    expect(configProblemsOf(env).join()).toMatch(/OAUTH_OIDC_ISSUER must be a URL \(https\)/);
    expect(loadConfig({ ...env, OAUTH_ALLOW_INSECURE_HTTP: 'true' }).oauth.providers.oidc?.issuer).toBe('http://127.0.0.1:8081/realms/x');
    expect(configProblemsOf({ ...env, OAUTH_ALLOW_INSECURE_HTTP: 'true', NODE_ENV: 'production', JWT_SECRET_KEY: 'x'.repeat(32) }).join())
      .toMatch(/OAUTH_ALLOW_INSECURE_HTTP must not be set in production/);
  });

  it('Apple needs team, key id and a P-256 key file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'apple-'));
    const good = path.join(dir, 'good.p8');
    writeFileSync(good, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const rsa = path.join(dir, 'rsa.p8');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const base = { OAUTH_REDIRECT_URIS: REDIRECT, OAUTH_APPLE_CLIENT_ID: 'com.example.app' };
    expect(configProblemsOf(base).join()).toMatch(/OAUTH_APPLE_TEAM_ID, OAUTH_APPLE_KEY_ID and OAUTH_APPLE_PRIVATE_KEY/);
    const full = { ...base, OAUTH_APPLE_TEAM_ID: 'T', OAUTH_APPLE_KEY_ID: 'K' };
    expect(configProblemsOf({ ...full, OAUTH_APPLE_PRIVATE_KEY_FILE: rsa }).join()).toMatch(/OAUTH_APPLE_PRIVATE_KEY must be a PEM EC P-256 private key/);
    expect(loadConfig({ ...full, OAUTH_APPLE_PRIVATE_KEY_FILE: good }).oauth.providers.apple).toMatchObject({ issuer: 'https://appleid.apple.com', apple: { teamId: 'T', keyId: 'K' } });
  });
});
