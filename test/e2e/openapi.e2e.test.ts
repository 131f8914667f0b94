import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootTestApp, type TestApp } from '../support/app';
import { credentials, uniqueEmail } from '../support/factories';
import { checkAgainstSchema, responseSchema } from '../support/openapi-check';

describe('the OpenAPI document matches what routes send', () => {
  let app: TestApp;
  let doc: Record<string, any>;
  beforeAll(async () => {
    app = await bootTestApp();
    doc = (await app.http('GET', '/api-docs/openapi.json')).body;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('documents every REST route of the seed contract for v1 and v2', () => {
    for (const path of ['/v1/auth/authenticate', '/v1/auth/signup', '/v1/auth/token/refresh', '/v1/auth/credentials', '/v1/auth/sessions', '/v2/auth/sessions/{deviceId}']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it('SignUp, RefreshTokens, ValidateCredentials and ListSessions answer what their schemas say', async () => {
    const signUp = await app.http('POST', '/v1/auth/signup', { body: credentials(uniqueEmail('oas')) });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/signup', 200), signUp.body)).toEqual([]);

    const refresh = await app.http('POST', '/v1/auth/token/refresh', { body: { refreshToken: signUp.body.tokens.refreshToken } });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/token/refresh', 200), refresh.body)).toEqual([]);

    const me = await app.http('GET', '/v1/auth/credentials', { token: refresh.body.accessToken });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'GET', '/v1/auth/credentials', 200), me.body)).toEqual([]);

    const sessions = await app.http('POST', '/v1/auth/sessions', { token: refresh.body.accessToken, body: {} });
    expect(checkAgainstSchema(doc, responseSchema(doc, 'POST', '/v1/auth/sessions', 200), sessions.body)).toEqual([]);
  });

  it('catches a response that does not match (the checker itself can fail)', () => {
    const schema = responseSchema(doc, 'POST', '/v1/auth/signup', 200);
    expect(checkAgainstSchema(doc, schema, { status: 'NOT_A_STATUS', message: 1, surprise: true }).length).toBeGreaterThanOrEqual(3);
  });
});
