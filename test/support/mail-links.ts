import { expect } from 'vitest';
import type { ReceivedMail } from './smtp-sink';

/**
 * The token of the `{appUrl}/{route}?token=...` link in a received mail, asserting the link
 * is there and the token has the shape of a 256-bit opaque token (base64url, 43 characters).
 */
export function linkTokenOf(mail: ReceivedMail, appUrl: string, route: 'verify-email' | 'auth-reset'): string {
  const link = mail.links.find((l) => l.startsWith(`${appUrl}/${route}?`));
  expect(link, `a ${route} link in: ${mail.text}`).toBeDefined();
  const token = new URL(link!).searchParams.get('token');
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token!;
}
