import { readSettingFile } from './settingFile';
import { rootCertificates } from 'node:tls';
import { createTransport } from 'nodemailer';
import { ConfigError, type SmtpConfig } from './config';
import type { Logger } from './logger';

/*
 * Outgoing mail for hub users (address verification, invitations) through the SMTP
 * server named in `hub.smtp`. Mail is optional: without `hub.smtp` the mailer reports
 * `configured: false` and callers keep codes for the owner to read in the hub instead.
 * Nothing here logs a message body, a password or the mail server's credentials.
 */

/** A file sent with a message (a notice's picture); given as bytes, never read from a path. */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  attachments?: MailAttachment[];
}

export interface Mailer {
  readonly configured: boolean;
  send(msg: MailMessage): Promise<void>;
}

/** A sending failure, as a sentence a household member can act on. */
export class MailError extends Error {
  constructor(
    message: string,
    /** nodemailer's error code (EAUTH, ECONNECTION, …) when there was one. */
    readonly reason?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailError';
  }
}

const TIMEOUT_MS = 15_000;

/** Certificate verification failures reported by Node's TLS layer. */
const CERT_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|certificate/i;

interface SmtpFailure {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  message?: string;
  cause?: { code?: string; message?: string };
}

function serverSaid(err: SmtpFailure): string {
  const text = (err.response ?? '').replace(/\s+/g, ' ').trim();
  return text ? ` (it said: ${text.slice(0, 200)})` : '';
}

/** Turns a nodemailer error into one sentence naming the server and what to check. */
export function describeSmtpError(smtp: SmtpConfig, error: unknown): MailError {
  const err = (error ?? {}) as SmtpFailure;
  const where = `the mail server at ${smtp.host}:${smtp.port}`;
  const detail = `${err.message ?? ''} ${err.cause?.code ?? ''} ${err.cause?.message ?? ''}`;
  const make = (sentence: string) => new MailError(sentence, err.code, { cause: error });
  switch (err.code) {
    case 'EAUTH':
      return make(`${where} refused the sign-in; check hub.smtp.username and the password in hub.smtp.passwordFile`);
    case 'ENOAUTH':
      return make(`${where} needs a user name and password; set hub.smtp.username and hub.smtp.passwordFile`);
    case 'EDNS':
      return make(`the mail server host "${smtp.host}" could not be found; check hub.smtp.host`);
    case 'ETIMEDOUT':
      return make(`${where} did not answer in time`);
    case 'ETLS':
      if (err.command === 'STARTTLS' && err.response && !err.response.startsWith('2')) {
        return make(
          `${where} does not offer STARTTLS; set hub.smtp.security to "tls" (usually port 465) or, for a relay on a trusted LAN only, "none"`,
        );
      }
      break;
    case 'EENVELOPE':
      if (err.responseCode === 530 || err.responseCode === 535) {
        return make(`${where} requires a sign-in; set hub.smtp.username and hub.smtp.passwordFile`);
      }
      return make(`${where} refused the sender or recipient address${serverSaid(err)}`);
    case 'EMESSAGE':
      return make(`${where} refused the message${serverSaid(err)}`);
  }
  if (CERT_ERRORS.test(detail)) {
    return make(`${where} presented a certificate this hub does not trust; for a LAN mail server, set hub.smtp.caFile to its CA certificate`);
  }
  if (/ECONNREFUSED/.test(detail)) return make(`${where} refused the connection; check hub.smtp.host and hub.smtp.port`);
  if (/EHOSTUNREACH|ENETUNREACH/.test(detail)) return make(`${where} cannot be reached from this hub`);
  if (/ETIMEDOUT|timeout/i.test(detail)) return make(`${where} did not answer in time`);
  if (err.code === 'ETLS' || /wrong version number|TLS|SSL/i.test(detail)) {
    return make(`the encrypted connection to ${where} failed; check that hub.smtp.security matches the port (tls: 465, starttls: 587)`);
  }
  if (err.code === 'ECONNECTION' || err.code === 'ESOCKET') {
    return make(`the connection to ${where} failed${serverSaid(err)}`);
  }
  const message = (err.message ?? String(error)).split('\n')[0];
  return make(`sending mail through ${where} failed: ${message}`);
}

/** A mailer for a hub without `hub.smtp`: it sends nothing. */
export function unconfiguredMailer(): Mailer {
  return {
    configured: false,
    async send() {
      throw new MailError('mail is not set up on this hub (add hub.smtp to the configuration); pending codes are shown to the owner instead');
    },
  };
}

/**
 * Builds the hub's mailer. Files named by the settings (password, CA) are read now, so a
 * missing file stops start-up with a message naming it; the server is not contacted
 * until the first mail, so a mail server that is down does not keep the hub from starting.
 */
export async function createMailer(smtp: SmtpConfig | undefined, log: Logger): Promise<Mailer> {
  if (!smtp) {
    log.info('mail is not configured (no hub.smtp): verification and invitation codes are shown to the owner');
    return unconfiguredMailer();
  }
  if (smtp.passwordFile && !smtp.username) {
    throw new ConfigError('setting "hub.smtp.passwordFile" needs "hub.smtp.username" as well');
  }
  let auth: { user: string; pass: string } | undefined;
  if (smtp.username) {
    if (!smtp.passwordFile) throw new ConfigError('setting "hub.smtp.username" needs "hub.smtp.passwordFile" as well');
    const pass = (await readSettingFile(smtp.passwordFile, 'hub.smtp.passwordFile', 'the mail password file')).trim();
    if (!pass) throw new ConfigError(`the mail password file ${smtp.passwordFile} (setting "hub.smtp.passwordFile") is empty`);
    auth = { user: smtp.username, pass };
  }
  let ca: string[] | undefined;
  if (smtp.caFile) {
    const pem = await readSettingFile(smtp.caFile, 'hub.smtp.caFile', 'the mail server CA file');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError(`${smtp.caFile} (setting "hub.smtp.caFile") holds no PEM certificate`);
    }
    // Added to the usual public roots, not instead of them.
    ca = [...rootCertificates, pem];
  }

  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    auth,
    tls: smtp.security === 'none' ? undefined : { minVersion: 'TLSv1.2', ...(ca ? { ca } : {}) },
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    dnsTimeout: TIMEOUT_MS,
    logger: false,
    debug: false,
  });

  const where = { host: smtp.host, port: smtp.port, security: smtp.security };
  log.info(where, 'mail goes out through the configured mail server');
  if (smtp.security === 'none' && auth) {
    log.warn(where, 'hub.smtp.security is "none": the mail password crosses the network unencrypted');
  }

  return {
    configured: true,
    async send(msg: MailMessage): Promise<void> {
      if (!msg.to.includes('@') || /[\s,;<>]/.test(msg.to)) throw new MailError(`"${msg.to}" is not a single email address`);
      try {
        await transport.sendMail({
          from: smtp.from,
          // An address object, not a string: nodemailer must not read it as a list.
          to: { name: '', address: msg.to },
          subject: msg.subject,
          text: msg.text,
          ...(msg.attachments?.length ? { attachments: msg.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })) } : {}),
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (err) {
        const failure = describeSmtpError(smtp, err);
        log.warn({ ...where, reason: failure.reason }, `mail not sent: ${failure.message}`);
        throw failure;
      }
      log.info({ ...where, subject: msg.subject }, 'mail sent');
    },
  };
}
