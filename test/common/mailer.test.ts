import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SMTPServer, SMTPServerOptions } from 'smtp-server';
import { ConfigError, parseConfig, type SmtpConfig } from '../../common/config';
import { createLogger } from '../../common/logger';
import { ensureHubTls } from '../../hub/certificates';
import { createMailer, MailError } from '../../common/mailer';
import { useTempDir } from '../helpers/tmp';
import { startSmtp, stop } from '../helpers/smtp';

function smtpConfig(settings: Record<string, unknown>): SmtpConfig {
  return parseConfig({ hub: { smtp: { host: '127.0.0.1', from: 'Porchlight <hub@porch.example>', ...settings } } }).hub.smtp!;
}

describe('hub mailer', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  const log = createLogger('mailer-test', 'silent');
  const servers: SMTPServer[] = [];

  async function serve(options: SMTPServerOptions = {}) {
    const s = await startSmtp(options);
    servers.push(s.server);
    return s;
  }

  afterEach(async () => {
    await Promise.all(servers.splice(0).map(stop));
  });

  it('fills in the hub.smtp defaults and refuses unknown or bad settings', () => {
    const smtp = parseConfig({ hub: { smtp: { host: 'mail.example.net', from: 'hub@example.net' } } }).hub.smtp!;
    assert.equal(smtp.port, 587);
    assert.equal(smtp.security, 'starttls');
    assert.equal(parseConfig({}).hub.smtp, undefined);
    assert.throws(() => parseConfig({ hub: { smtp: { host: 'm', from: 'a@b', user: 'x' } } }), /hub\.smtp/);
    assert.throws(() => parseConfig({ hub: { smtp: { host: 'm', from: 'a@b', security: 'ssl' } } }), /hub\.smtp\.security/);
    assert.throws(() => parseConfig({ hub: { smtp: { host: 'm', from: 'not an address' } } }), /hub\.smtp\.from/);
    assert.throws(() => parseConfig({ hub: { smtp: { from: 'a@b' } } }), /hub\.smtp\.host/);
  });

  it('sends a plain message with security "none" (no STARTTLS attempted)', async () => {
    const { port, inbox } = await serve();
    const mailer = await createMailer(smtpConfig({ port, security: 'none' }), log);
    assert.equal(mailer.configured, true);
    await mailer.send({ to: 'alice@home.example', subject: 'Hello from the porch', text: 'Line one\nLine two with ünïcode' });
    assert.equal(inbox.length, 1);
    const mail = inbox[0]!;
    assert.deepEqual(mail.to, ['alice@home.example']);
    assert.equal(mail.from, 'hub@porch.example');
    assert.equal(mail.headers.to, 'alice@home.example');
    assert.equal(mail.headers.subject, 'Hello from the porch');
    assert.match(mail.headers.from!, /hub@porch\.example/);
    assert.equal(mail.body.trim(), 'Line one\nLine two with ünïcode');
    assert.equal(mail.secure, false);
  });

  it('does not try STARTTLS in "none" mode even when the server offers it', async () => {
    const tls = await ensureHubTls(path.join(tmp.dir, 'tls'));
    const { port, inbox } = await serve({ disabledCommands: [], key: tls.keyPem, cert: tls.chainPem });
    // The server's certificate is not trusted here, so an attempted upgrade would fail.
    const mailer = await createMailer(smtpConfig({ port, security: 'none' }), log);
    await mailer.send({ to: 'bob@home.example', subject: 'plain', text: 'plain' });
    assert.equal(inbox[0]!.secure, false);
  });

  it('signs in with username and the password file, and trims the file', async () => {
    const { port, inbox } = await serve({
      allowInsecureAuth: true,
      authOptional: false,
      onAuth(auth, _session, done) {
        if (auth.username === 'porch' && auth.password === 's3cret pass') done(null, { user: auth.username });
        else done(new Error('Invalid username or password'));
      },
    });
    const passwordFile = path.join(tmp.dir, 'smtp-password');
    writeFileSync(passwordFile, '  s3cret pass\n', { mode: 0o600 });
    const mailer = await createMailer(smtpConfig({ port, security: 'none', username: 'porch', passwordFile }), log);
    await mailer.send({ to: 'carol@home.example', subject: 'signed in', text: 'ok' });
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0]!.user, 'porch');
  });

  it('turns a refused sign-in into a MailError that names the server', async () => {
    const { port, inbox } = await serve({
      allowInsecureAuth: true,
      authOptional: false,
      onAuth(_auth, _session, done) {
        done(new Error('Invalid username or password'));
      },
    });
    const passwordFile = path.join(tmp.dir, 'smtp-password');
    writeFileSync(passwordFile, 'wrong\n');
    const mailer = await createMailer(smtpConfig({ port, security: 'none', username: 'porch', passwordFile }), log);
    await assert.rejects(
      mailer.send({ to: 'carol@home.example', subject: 'x', text: 'x' }),
      (err: unknown) =>
        err instanceof MailError && err.message === `the mail server at 127.0.0.1:${port} refused the sign-in; check hub.smtp.username and the password in hub.smtp.passwordFile` && !/wrong/.test(err.message),
    );
    assert.equal(inbox.length, 0);
  });

  it('says when the server needs a sign-in that is not configured', async () => {
    const { port } = await serve({ allowInsecureAuth: true, authOptional: false, onAuth: (_a, _s, done) => done(new Error('no')) });
    const mailer = await createMailer(smtpConfig({ port, security: 'none' }), log);
    await assert.rejects(mailer.send({ to: 'd@home.example', subject: 'x', text: 'x' }), (err: unknown) => err instanceof MailError && /requires a sign-in/.test(err.message));
  });

  it('requires STARTTLS in "starttls" mode and refuses a server without it', async () => {
    const { port, inbox } = await serve(); // STARTTLS disabled
    const mailer = await createMailer(smtpConfig({ port, security: 'starttls' }), log);
    await assert.rejects(
      mailer.send({ to: 'e@home.example', subject: 'x', text: 'x' }),
      (err: unknown) => err instanceof MailError && /does not offer STARTTLS/.test(err.message),
    );
    assert.equal(inbox.length, 0);
  });

  it('upgrades with STARTTLS to a LAN server whose CA is given in caFile, and refuses it without', async () => {
    const tls = await ensureHubTls(path.join(tmp.dir, 'tls'));
    const { port, inbox } = await serve({ disabledCommands: [], key: tls.keyPem, cert: tls.chainPem });
    const untrusting = await createMailer(smtpConfig({ port }), log);
    await assert.rejects(
      untrusting.send({ to: 'f@home.example', subject: 'x', text: 'x' }),
      (err: unknown) => err instanceof MailError && /certificate this hub does not trust; .*hub\.smtp\.caFile/.test(err.message),
    );
    const caFile = path.join(tmp.dir, 'mail-ca.pem');
    writeFileSync(caFile, tls.caPem);
    const mailer = await createMailer(smtpConfig({ port, caFile }), log);
    await mailer.send({ to: 'f@home.example', subject: 'over starttls', text: 'secret-ish' });
    assert.equal(inbox.length, 1);
    assert.equal(inbox[0]!.secure, true);
    assert.equal(inbox[0]!.headers.subject, 'over starttls');
  });

  it('speaks TLS from the first byte in "tls" mode', async () => {
    const tls = await ensureHubTls(path.join(tmp.dir, 'tls'));
    const { port, inbox } = await serve({ secure: true, key: tls.keyPem, cert: tls.chainPem });
    const caFile = path.join(tmp.dir, 'mail-ca.pem');
    writeFileSync(caFile, tls.caPem);
    const mailer = await createMailer(smtpConfig({ port, security: 'tls', caFile }), log);
    await mailer.send({ to: 'g@home.example', subject: 'over tls', text: 'hello' });
    assert.equal(inbox[0]!.secure, true);
    assert.equal(inbox[0]!.body.trim(), 'hello');
  });

  it('reports a closed port as a refused connection', async () => {
    const { server, port } = await startSmtp();
    await stop(server);
    const mailer = await createMailer(smtpConfig({ port, security: 'none' }), log);
    await assert.rejects(
      mailer.send({ to: 'h@home.example', subject: 'x', text: 'x' }),
      (err: unknown) => err instanceof MailError && err.message === `the mail server at 127.0.0.1:${port} refused the connection; check hub.smtp.host and hub.smtp.port`,
    );
  });

  it('refuses to start with an unreadable password file or CA file, naming the file', async () => {
    const missing = path.join(tmp.dir, 'nope');
    await assert.rejects(
      createMailer(smtpConfig({ username: 'porch', passwordFile: missing }), log),
      (err: unknown) => err instanceof ConfigError && err.message.includes(missing) && err.message.includes('hub.smtp.passwordFile'),
    );
    await assert.rejects(createMailer(smtpConfig({ caFile: missing }), log), (err: unknown) => err instanceof ConfigError && err.message.includes(missing));
    const empty = path.join(tmp.dir, 'empty');
    writeFileSync(empty, '\n');
    await assert.rejects(createMailer(smtpConfig({ username: 'porch', passwordFile: empty }), log), /is empty/);
    await assert.rejects(createMailer(smtpConfig({ username: 'porch' }), log), /needs "hub\.smtp\.passwordFile"/);
  });

  it('without hub.smtp the mailer is unconfigured and send throws a clear error', async () => {
    const mailer = await createMailer(undefined, log);
    assert.equal(mailer.configured, false);
    await assert.rejects(mailer.send({ to: 'i@home.example', subject: 'x', text: 'x' }), (err: unknown) => err instanceof MailError && /mail is not set up/.test(err.message));
  });

  it('refuses a recipient that is not a single address', async () => {
    const { port, inbox } = await serve();
    const mailer = await createMailer(smtpConfig({ port, security: 'none' }), log);
    await assert.rejects(mailer.send({ to: 'a@home.example, b@evil.example', subject: 'x', text: 'x' }), MailError);
    await assert.rejects(mailer.send({ to: 'a@home.example\r\nBcc: b@evil.example', subject: 'x', text: 'x' }), MailError);
    assert.equal(inbox.length, 0);
  });
});
