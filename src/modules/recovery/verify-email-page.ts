import { createHash } from 'node:crypto';
import { PASSWORD_INPUT_MAX } from '../credentials/password-policy';
import { escapeHtml } from '../mail/templates/render';

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1f2328}',
  'label{display:block;margin-top:1.25rem;font-weight:600}',
  'input[type=password]{width:100%;padding:.5rem;margin-top:.25rem;box-sizing:border-box;font-size:1rem}',
  '.hint{color:#57606a;font-size:.9rem}',
  'button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem}',
].join('');

/** The inline style is allowed by its hash: the page runs no script and loads nothing. */
const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/**
 * The page a verification link opens. Mail security scanners fetch every link of
 * a mail, so opening it changes nothing: only its button (a POST of the token, and
 * optionally the sign-up password) verifies. The token is echoed into the hidden
 * field only, HTML-escaped. The form posts to `verify-email` relative to the page,
 * so it works at /v1/verify-email, at the /verify-email alias and behind a path prefix.
 */
export function verifyEmailPage(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>Confirm your email address</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Confirm your email address</h1>
<p>Press the button to confirm that this email address is yours. Nothing has been confirmed yet.</p>
<form method="post" action="verify-email">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<label for="password">Password you chose when you signed up (optional)</label>
<input type="password" id="password" name="password" autocomplete="current-password" maxlength="${PASSWORD_INPUT_MAX}">
<p class="hint">For a new account, enter the password you signed up with to keep it. If you leave this empty, or it does not match,
the address is still confirmed but the account has no password until you choose one with &ldquo;Forgot password&rdquo;.
If you did not sign up, confirming does not let whoever did sign in with the password they chose.</p>
<button type="submit">Confirm email address</button>
</form>
</main>
</body>
</html>
`;
}

/** Of the page and of the redirect after its button: nothing cached, and no Referer (the page's URL holds the token). */
export const NO_STORE_NO_REFERRER: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
});

/**
 * Headers of the page: no script, no framing, nothing loaded. The form posts here
 * and is redirected to the front end, so both are allowed form targets (browsers
 * check form-action on the redirect too).
 */
export function verifyEmailPageHeaders(appUrl: string): Record<string, string> {
  return {
    ...NO_STORE_NO_REFERRER,
    'content-security-policy': `default-src 'none'; style-src ${STYLE_SOURCE}; form-action 'self' ${new URL(appUrl).origin}; base-uri 'none'; frame-ancestors 'none'`,
    'x-content-type-options': 'nosniff',
  };
}
