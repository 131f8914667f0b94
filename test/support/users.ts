import { expect } from 'vitest';
import type { TestApp } from './app';
import { grpc } from './grpc-client';
import { decodeStatusDetails } from '../../src/common/errors/grpc-status-details';
import { credentials, PASSWORD, uniqueEmail } from './factories';

export interface Account {
  readonly id: string;
  readonly email: string;
  readonly accessToken: string;
  readonly refreshToken: string;
}

/** Signs up a fresh account (optionally giving it a database role) and returns its tokens. */
export async function signUpAs(app: TestApp, role?: string, prefix = 'u'): Promise<Account> {
  const email = uniqueEmail(prefix);
  const res = await app.http('POST', '/v1/auth/signup', { body: credentials(email, PASSWORD) });
  expect(res.status, res.text).toBe(200);
  const id = res.body.user.userId as string;
  if (role) await app.db.sql('UPDATE users SET role = $2 WHERE id = $1', [id, role]);
  return { id, email, accessToken: res.body.tokens.accessToken, refreshToken: res.body.tokens.refreshToken };
}

export function md(token: string): grpc.Metadata {
  const m = new grpc.Metadata();
  m.set('authorization', `Bearer ${token}`);
  return m;
}

export interface StreamError extends grpc.ServiceError {
  readonly reason?: string;
}

/** A server-streaming call opened on the users client. */
export function openStream(app: TestApp, method: 'ListUsers' | 'ListUsersInfo', request: object, token: string): grpc.ClientReadableStream<any> {
  const client = app.users.client as unknown as Record<string, (req: object, md: grpc.Metadata) => grpc.ClientReadableStream<any>>;
  return client[method](request, md(token));
}

/** Every item of a server stream, or the stream's error. */
export function collect(app: TestApp, method: 'ListUsers' | 'ListUsersInfo', request: object, token: string): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const items: any[] = [];
    const call = openStream(app, method, request, token);
    call.on('data', (item) => items.push(item));
    call.on('error', (e: grpc.ServiceError) => {
      const bin = e.metadata?.get('grpc-status-details-bin')[0];
      reject(Object.assign(e, { reason: bin ? decodeStatusDetails(bin as Buffer)?.reason : undefined }));
    });
    call.on('end', () => resolve(items));
  });
}

export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** Server-Sent Events of a complete body. */
export function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event: { id?: string; event?: string; data: string } = { data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(':');
        const value = rest.join(':').replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data') data.push(value);
      }
      event.data = data.join('\n');
      return event;
    });
}

/** GET a streaming route and parse it: SSE items (data as JSON) or NDJSON lines. */
export async function restStream(app: TestApp, path: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(app.httpUrl + path, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const text = await res.text();
  const ndjson = (res.headers.get('content-type') ?? '').startsWith('application/x-ndjson');
  const events = res.status === 200 && !ndjson ? parseSse(text) : [];
  const items = ndjson
    ? text.split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : events.filter((e) => !e.event).map((e) => JSON.parse(e.data));
  return { status: res.status, headers: res.headers, text, events, items };
}
