import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { freePort } from './ports';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly raw: string;
  /** Lower-cased names, decoded values (RFC 2047 encoded words). */
  readonly headers: ReadonlyMap<string, string>;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  /** http(s) links of the text part. */
  readonly links: readonly string[];
}

/** A real SMTP server (the npm package smtp-server) on 127.0.0.1 that keeps what it receives. */
export interface SmtpSink {
  readonly port: number;
  /** SMTP_URL for the app: plain SMTP, no TLS, no authentication. */
  readonly url: string;
  readonly mails: ReceivedMail[];
  /** Recipients refused with a 4xx so far. */
  readonly refusals: string[];
  /** Refuses RCPT TO for `recipient` with `code` for the next `times` attempts. */
  refuse(recipient: string, times: number, code?: number): void;
  mailsTo(recipient: string): ReceivedMail[];
  /** Waits (polling) until `recipient` has at least `count` mails. */
  waitFor(recipient: string, count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const refusals: string[] = [];
  const refusing = new Map<string, { left: number; code: number }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rule = refusing.get(address.address.toLowerCase());
      if (rule && rule.left > 0) {
        rule.left -= 1;
        refusals.push(address.address.toLowerCase());
        callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: rule.code }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push(parseMail(raw, from, session.envelope.rcptTo.map((r) => r.address.toLowerCase())));
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.on('error', () => undefined);

  const mailsTo = (recipient: string) => mails.filter((m) => m.to.includes(recipient.toLowerCase()));
  return {
    port,
    url: `smtp://127.0.0.1:${port}?tls=none`,
    mails,
    refusals,
    refuse(recipient, times, code = 451) {
      refusing.set(recipient.toLowerCase(), { left: times, code });
    },
    mailsTo,
    async waitFor(recipient, count = 1, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (mailsTo(recipient).length < count) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${count} mail(s) to ${recipient} (got ${mailsTo(recipient).length})`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return mailsTo(recipient);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits (polling) until `check` is true. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// --- a small RFC 822 / MIME reader: enough for what nodemailer writes -------------

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), decodeWords(line.slice(i + 1).trim()));
  }
  return { headers, body };
}

function decodeBody(part: Part): string {
  const cte = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (cte === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(part.body);
  return part.body;
}

export function decodeQuotedPrintable(text: string): string {
  const softBreaksRemoved = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < softBreaksRemoved.length; i++) {
    const c = softBreaksRemoved[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(softBreaksRemoved.slice(i + 1, i + 3))) {
      bytes.push(parseInt(softBreaksRemoved.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, _charset: string, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

function leaves(part: Part): Part[] {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1);
  return sections.filter((s) => !s.startsWith('--')).flatMap((s) => leaves(splitPart(s.replace(/^\r?\n/, ''))));
}

function parseMail(raw: string, from: string, to: string[]): ReceivedMail {
  const root = splitPart(raw);
  const parts = leaves(root);
  const text = parts.filter((p) => /^text\/plain/i.test(p.headers.get('content-type') ?? 'text/plain')).map(decodeBody).join('\n');
  const html = parts.filter((p) => /^text\/html/i.test(p.headers.get('content-type') ?? '')).map(decodeBody).join('\n');
  return {
    from,
    to,
    raw,
    headers: root.headers,
    subject: root.headers.get('subject') ?? '',
    text,
    html,
    links: [...text.matchAll(/https?:\/\/[^\s<>"]+/g)].map((m) => m[0]),
  };
}
