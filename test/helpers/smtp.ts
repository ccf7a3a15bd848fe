import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  headers: Record<string, string>;
  body: string;
  user?: string;
  secure: boolean;
}

/** Splits a raw message into (unfolded, lower-cased) headers and a body, decoding quoted-printable. */
export function parseMessage(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers['content-transfer-encoding'] ?? '')) {
    body = Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return { headers, body: body.replace(/\r\n/g, '\n') };
}

/** A real SMTP server on 127.0.0.1 (any free port) that keeps what it receives. */
export async function startSmtp(options: SMTPServerOptions = {}): Promise<{ server: SMTPServer; port: number; inbox: Received[] }> {
  const inbox: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...options,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...parseMessage(Buffer.concat(chunks).toString('utf8')),
          user: session.user as string | undefined,
          secure: session.secure,
        });
        done();
      });
    },
  });
  server.on('error', () => {}); // a client dropping a failed TLS handshake is expected in some tests
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.server.address() as AddressInfo).port, inbox };
}

export function stop(server: SMTPServer | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
}


export interface MailPart {
  headers: Record<string, string>;
  /** The part's content, transfer encoding (base64, quoted-printable) undone. */
  content: Buffer;
}

/**
 * The parts of a received multipart message (one level: nodemailer's text + attachments), or
 * the body alone as one part when it is not multipart. Enough for the tests' own mails, not a
 * general MIME parser.
 */
export function mailParts(mail: Received): MailPart[] {
  const type = mail.headers['content-type'] ?? '';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!/^multipart\//i.test(type) || !boundary) return [{ headers: mail.headers, content: Buffer.from(mail.body, 'utf8') }];
  const parts: MailPart[] = [];
  for (const chunk of mail.body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const text = chunk.replace(/^\n/, '');
    const split = text.indexOf('\n\n');
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, split).replace(/\n[ \t]+/g, ' ').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const raw = text.slice(split + 2).replace(/\n$/, '');
    const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
    const content =
      encoding === 'base64'
        ? Buffer.from(raw.replace(/\s+/g, ''), 'base64')
        : encoding === 'quoted-printable'
          ? Buffer.from(raw.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1')
          : Buffer.from(raw, 'utf8');
    parts.push({ headers, content });
  }
  return parts;
}
