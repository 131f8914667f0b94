/** How the SMTP connection is secured. */
export type SmtpTls = 'starttls' | 'none' | 'implicit';

export interface SmtpEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: SmtpTls;
  /** Empty: no authentication. */
  readonly user: string;
  /** Only when written into the URL; SMTP_PASSWORD wins over it. */
  readonly urlPassword?: string;
}

const TLS_MODES: readonly SmtpTls[] = ['starttls', 'none', 'implicit'];

/**
 * `smtp://user@host:587?tls=starttls|none|implicit` (default starttls, port 587) or
 * `smtps://user@host:465` (implicit TLS, port 465). Throws an Error whose message
 * describes the rule broken, never the value (it may hold a password).
 */
export function parseSmtpUrl(raw: string): SmtpEndpoint {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be a URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'smtp' && scheme !== 'smtps') throw new Error('must start with smtp:// or smtps://');
  if (!url.hostname) throw new Error('must name a host');
  const tlsParam = url.searchParams.get('tls')?.toLowerCase();
  if (tlsParam !== undefined && !(TLS_MODES as readonly string[]).includes(tlsParam)) {
    throw new Error('tls must be starttls, none or implicit');
  }
  const tls: SmtpTls = scheme === 'smtps' ? 'implicit' : ((tlsParam as SmtpTls | undefined) ?? 'starttls');
  if (scheme === 'smtps' && tlsParam !== undefined && tlsParam !== 'implicit') throw new Error('smtps:// always uses implicit TLS');
  const port = url.port ? Number(url.port) : tls === 'implicit' ? 465 : 587;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    tls,
    user: decodeURIComponent(url.username),
    urlPassword: url.password ? decodeURIComponent(url.password) : undefined,
  };
}
