import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SMTPServer } from 'smtp-server';
import { parseConfig } from '../../common/config';
import { openDatabase, type DB } from '../../common/database';
import { createLogger } from '../../common/logger';
import {
  confirmEmail,
  createInvitation,
  EmailCodeError,
  inspectInvitation,
  pendingCodes,
  redeemInvitation,
  revokeCode,
  startEmailVerification,
} from '../../hub/emailCodes';
import { HubSecret } from '../../hub/hubSecret';
import { createMailer, type Mailer } from '../../common/mailer';
import { addUser } from '../../hub/users';
import { useTempDir } from '../helpers/tmp';
import { startSmtp, type Received } from '../helpers/smtp';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const HUB_URL = 'https://porch-hub.local:9443/';
const T0 = Date.UTC(2025, 0, 1);

describe('email codes', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  const log = createLogger('email-codes-test', 'silent');
  let db: DB;
  let secret: HubSecret;
  let smtp: { server: SMTPServer; port: number; inbox: Received[] };
  let mailer: Mailer;
  let noMail: Mailer;
  let alice: number;
  let bob: number;

  before(async () => {
    smtp = await startSmtp();
  });

  after(async () => {
    await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
  });

  beforeEach(async () => {
    smtp.inbox.length = 0;
    db = openDatabase(path.join(tmp.dir, 'hub.db'));
    secret = await HubSecret.load(path.join(tmp.dir, 'keys', 'hub.key'));
    const config = parseConfig({ hub: { smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'Porchlight <hub@porch.example>' } } });
    mailer = await createMailer(config.hub.smtp, log);
    noMail = await createMailer(undefined, log);
    alice = (await addUser(db, 'alice', 'a long enough password', 'owner')).id;
    bob = (await addUser(db, 'bob', 'another long password', 'member')).id;
    db.prepare(`INSERT INTO devices (id, name, token_hash, created_at) VALUES ('cam-porch', 'porch', 'h1', 0), ('cam-yard', 'yard', 'h2', 0)`).run();
  });

  afterEach(() => db.close());

  function userRow(id: number) {
    return db.prepare('SELECT email, email_verified_at FROM users WHERE id = ?').get(id) as { email: string | null; email_verified_at: number | null };
  }

  function rejectsWith(fn: () => unknown, pattern: RegExp) {
    assert.throws(fn, (err: unknown) => err instanceof EmailCodeError && pattern.test(err.message));
  }

  it('mails a verification code with the hub address; the code confirms the address once', async () => {
    const result = await startEmailVerification(db, secret, mailer, { userId: alice, email: 'Alice@Home.example', hubUrl: HUB_URL }, T0);
    assert.deepEqual(result, { sent: true });
    assert.equal(smtp.inbox.length, 1);
    const mail = smtp.inbox[0]!;
    assert.equal(mail.headers.to!.toLowerCase(), 'alice@home.example'); // nodemailer lower-cases the domain
    assert.equal(mail.headers.subject, 'Confirm your email address for Porchlight');
    assert.ok(mail.body.includes(HUB_URL), mail.body);
    const code = /^ {4}([A-Z0-9]+)$/m.exec(mail.body)?.[1];
    assert.ok(code, mail.body);
    assert.match(code, /^[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$/);
    assert.deepEqual(userRow(alice), { email: 'Alice@Home.example', email_verified_at: null });

    const [pending] = pendingCodes(db, secret, T0 + 1000);
    assert.deepEqual(pending, { id: pending!.id, purpose: 'verify', email: 'Alice@Home.example', userId: alice, role: null, code, expiresAt: T0 + DAY, sent: true });

    // Another user cannot use it; a person may type it in lower case with a space.
    rejectsWith(() => confirmEmail(db, bob, code, T0 + HOUR), /not correct/);
    const typed = `${code.slice(0, 4).toLowerCase()} ${code.slice(4)}`;
    assert.deepEqual(confirmEmail(db, alice, typed, T0 + HOUR), { email: 'Alice@Home.example' });
    assert.deepEqual(userRow(alice), { email: 'Alice@Home.example', email_verified_at: T0 + HOUR });
    rejectsWith(() => confirmEmail(db, alice, code, T0 + HOUR + 1), /already used/);
    assert.deepEqual(pendingCodes(db, secret, T0 + HOUR), []);
    await assert.rejects(
      startEmailVerification(db, secret, mailer, { userId: alice, email: 'alice@home.example', hubUrl: HUB_URL }, T0 + 2 * HOUR),
      /already verified/,
    );
  });

  it('refuses wrong and expired codes, and a new request replaces the pending code', async () => {
    await startEmailVerification(db, secret, noMail, { userId: alice, email: 'alice@home.example', hubUrl: HUB_URL }, T0);
    const first = pendingCodes(db, secret, T0)[0]!.code!;
    rejectsWith(() => confirmEmail(db, alice, 'ABCDEFGH', T0), /not correct/);
    rejectsWith(() => confirmEmail(db, alice, '', T0), /not correct/);
    rejectsWith(() => confirmEmail(db, alice, first, T0 + DAY), /expired/);

    await startEmailVerification(db, secret, noMail, { userId: alice, email: 'alice@home.example', hubUrl: HUB_URL }, T0 + 2 * DAY);
    const pending = pendingCodes(db, secret, T0 + 2 * DAY);
    assert.equal(pending.length, 1);
    const second = pending[0]!.code!;
    assert.notEqual(second, first);
    rejectsWith(() => confirmEmail(db, alice, first, T0 + 2 * DAY), /not correct/);
    confirmEmail(db, alice, second, T0 + 3 * DAY - 1);
    assert.equal(userRow(alice).email_verified_at, T0 + 3 * DAY - 1);
  });

  it('changing the address makes it unverified again and drops the old pending code', async () => {
    await startEmailVerification(db, secret, noMail, { userId: alice, email: 'alice@home.example', hubUrl: HUB_URL }, T0);
    confirmEmail(db, alice, pendingCodes(db, secret, T0)[0]!.code!, T0);
    await startEmailVerification(db, secret, noMail, { userId: alice, email: 'alice@work.example', hubUrl: HUB_URL }, T0 + HOUR);
    assert.deepEqual(userRow(alice), { email: 'alice@work.example', email_verified_at: null });
  });

  it('refuses an address another user has (any case) and malformed addresses', async () => {
    await startEmailVerification(db, secret, noMail, { userId: alice, email: 'shared@home.example', hubUrl: HUB_URL }, T0);
    for (const email of ['shared@home.example', 'SHARED@Home.Example']) {
      await assert.rejects(
        startEmailVerification(db, secret, noMail, { userId: bob, email, hubUrl: HUB_URL }, T0),
        (err: unknown) => err instanceof EmailCodeError && err.message === 'another user already has this email address',
      );
    }
    assert.equal(userRow(bob).email, null);
    const long = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.example`; // 264 characters
    for (const email of ['no-at-sign', 'a@b', '@home.example', 'a b@home.example', 'a@home..example', 'a..b@home.example', 'x@-home.example', 'a@home.example\nBcc: x@y.example', long]) {
      await assert.rejects(startEmailVerification(db, secret, noMail, { userId: bob, email, hubUrl: HUB_URL }, T0), EmailCodeError, email);
    }
    await assert.rejects(startEmailVerification(db, secret, noMail, { userId: 999, email: 'x@home.example', hubUrl: HUB_URL }, T0), /no such user/);
    await assert.rejects(startEmailVerification(db, secret, noMail, { userId: bob, email: 'x@home.example', hubUrl: 'javascript:alert(1)' }, T0), /http/);
    assert.equal(pendingCodes(db, secret, T0).length, 1);
  });

  it('without mail, the owner sees pending codes (sent: false) and they still work', async () => {
    assert.deepEqual(await startEmailVerification(db, secret, noMail, { userId: bob, email: 'bob@home.example', hubUrl: HUB_URL }, T0), { sent: false });
    const invite = await createInvitation(db, secret, noMail, { email: 'carol@home.example', role: 'viewer', grants: ['cam-porch'], createdBy: alice, hubUrl: HUB_URL }, T0);
    assert.equal(invite.sent, false);
    assert.equal(smtp.inbox.length, 0);
    const pending = pendingCodes(db, secret, T0 + 1);
    assert.deepEqual(
      pending.map(({ purpose, email, userId, role, sent }) => ({ purpose, email, userId, role, sent })),
      [
        { purpose: 'verify', email: 'bob@home.example', userId: bob, role: null, sent: false },
        { purpose: 'invite', email: 'carol@home.example', userId: null, role: 'viewer', sent: false },
      ],
    );
    assert.equal(pending[1]!.code, invite.code);
    assert.equal(pending[1]!.expiresAt, T0 + 7 * DAY);
    confirmEmail(db, bob, pending[0]!.code!, T0 + 2);
    assert.equal(userRow(bob).email_verified_at, T0 + 2);
  });

  it('keeps the code pending (sent: false) when the mail server cannot be reached', async () => {
    const down = await startSmtp();
    await new Promise<void>((resolve) => down.server.close(() => resolve()));
    const config = parseConfig({ hub: { smtp: { host: '127.0.0.1', port: down.port, security: 'none', from: 'hub@porch.example' } } });
    const broken = await createMailer(config.hub.smtp, log);
    assert.deepEqual(await startEmailVerification(db, secret, broken, { userId: bob, email: 'bob@home.example', hubUrl: HUB_URL }, T0), { sent: false });
    const [pending] = pendingCodes(db, secret, T0);
    assert.equal(pending!.sent, false);
    assert.match(pending!.code!, /^[A-Z2-9]{8}$/);
  });

  it('stores no code in plain, in the rows or anywhere in the database files', async () => {
    await startEmailVerification(db, secret, mailer, { userId: bob, email: 'bob@home.example', hubUrl: HUB_URL }, T0);
    const invite = await createInvitation(db, secret, mailer, { email: 'carol@home.example', role: 'member', grants: [], createdBy: alice, hubUrl: HUB_URL }, T0);
    const codes = pendingCodes(db, secret, T0).map((p) => p.code!);
    assert.equal(codes.length, 2);
    assert.ok(codes.includes(invite.code));
    const rows = db.prepare('SELECT * FROM email_codes').all() as Record<string, unknown>[];
    const dump = JSON.stringify(rows);
    const files = ['hub.db', 'hub.db-wal'].map((f) => path.join(tmp.dir, f)).filter((f) => existsSync(f));
    for (const code of codes) {
      assert.ok(!dump.includes(code), 'plain code in a row');
      for (const f of files) assert.ok(!readFileSync(f).includes(Buffer.from(code)), `plain code in ${f}`);
    }
    for (const row of rows) {
      assert.match(String(row.code_hash), /^[0-9a-f]{64}$/);
      assert.notEqual(row.sent_at, null);
    }
  });

  it('mails an invitation link; redeeming is single use and gives the email, role and grants', async () => {
    const invite = await createInvitation(
      db,
      secret,
      mailer,
      { email: 'carol@home.example', role: 'viewer', grants: ['cam-porch', 'cam-yard', 'cam-porch'], createdBy: alice, hubUrl: HUB_URL },
      T0,
    );
    assert.equal(invite.sent, true);
    assert.equal(invite.expiresAt, T0 + 7 * DAY);
    assert.match(invite.code, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(smtp.inbox.length, 1);
    const mail = smtp.inbox[0]!;
    assert.equal(mail.headers.to, 'carol@home.example');
    assert.ok(mail.body.includes(`${HUB_URL}#invite=${invite.code}`), mail.body);
    assert.match(mail.body, /alice invited you/);

    const expected = { email: 'carol@home.example', role: 'viewer', grants: ['cam-porch', 'cam-yard'] };
    assert.deepEqual(inspectInvitation(db, invite.code, T0 + DAY), { ...expected, id: invite.id, expiresAt: T0 + 7 * DAY });
    assert.deepEqual(redeemInvitation(db, ` ${invite.code} `, T0 + DAY), expected);
    rejectsWith(() => redeemInvitation(db, invite.code, T0 + DAY), /already used/);
    rejectsWith(() => redeemInvitation(db, 'x'.repeat(32), T0 + DAY), /not correct/);
    assert.deepEqual(pendingCodes(db, secret, T0 + DAY), []);
  });

  it('inspecting checks an invitation without spending it, so the account can be made first', async () => {
    const invite = await createInvitation(db, secret, noMail, { email: 'gus@home.example', role: 'member', grants: ['cam-yard'], createdBy: alice, hubUrl: HUB_URL }, T0);
    const expected = { email: 'gus@home.example', role: 'member', grants: ['cam-yard'] };
    assert.deepEqual(inspectInvitation(db, invite.code, T0 + 1), { ...expected, id: invite.id, expiresAt: T0 + 7 * DAY });
    assert.deepEqual(inspectInvitation(db, invite.code, T0 + 1), { ...expected, id: invite.id, expiresAt: T0 + 7 * DAY });
    // The caller creates the account with the invited address, then spends the code.
    const gus = db.prepare(`INSERT INTO users (username, password_hash, role, created_at, email, email_verified_at) VALUES ('gus', 'x', 'member', ?, ?, ?)`).run(T0 + 2, 'gus@home.example', T0 + 2);
    assert.ok(gus.lastInsertRowid);
    rejectsWith(() => inspectInvitation(db, invite.code, T0 + 3), /already exists/);
    assert.deepEqual(redeemInvitation(db, invite.code, T0 + 3), expected);
    rejectsWith(() => redeemInvitation(db, invite.code, T0 + 4), /already used/);
  });

  it('an invitation expires after 7 days and can be revoked', async () => {
    const a = await createInvitation(db, secret, noMail, { email: 'dan@home.example', role: 'member', grants: [], createdBy: alice, hubUrl: HUB_URL }, T0);
    const b = await createInvitation(db, secret, noMail, { email: 'erin@home.example', role: 'member', grants: [], createdBy: alice, hubUrl: HUB_URL }, T0);
    rejectsWith(() => redeemInvitation(db, a.code, T0 + 7 * DAY), /expired/);
    assert.deepEqual(pendingCodes(db, secret, T0 + 7 * DAY), []);
    assert.equal(revokeCode(db, b.id), true);
    assert.equal(revokeCode(db, b.id), false);
    rejectsWith(() => redeemInvitation(db, b.code, T0 + 1), /not correct/);
    assert.equal(redeemInvitation(db, a.code, T0 + 7 * DAY - 1).email, 'dan@home.example');
  });

  it('refuses invitations to a taken address, to unknown cameras or with an unknown role, and replaces a pending one', async () => {
    await startEmailVerification(db, secret, noMail, { userId: bob, email: 'bob@home.example', hubUrl: HUB_URL }, T0);
    const base = { role: 'member' as const, grants: [] as string[], createdBy: alice, hubUrl: HUB_URL };
    await assert.rejects(createInvitation(db, secret, noMail, { ...base, email: 'BOB@home.example' }, T0), /already exists/);
    await assert.rejects(createInvitation(db, secret, noMail, { ...base, email: 'fay@home.example', grants: ['cam-nowhere'] }, T0), /no camera with id "cam-nowhere"/);
    await assert.rejects(createInvitation(db, secret, noMail, { ...base, email: 'fay@home.example', role: 'admin' as never }, T0), /unknown role/);
    await assert.rejects(createInvitation(db, secret, noMail, { ...base, email: 'fay@home.example', createdBy: 999 }, T0), /inviting user/);

    const first = await createInvitation(db, secret, noMail, { ...base, email: 'fay@home.example' }, T0);
    const second = await createInvitation(db, secret, noMail, { ...base, email: 'Fay@home.example' }, T0 + 1);
    rejectsWith(() => redeemInvitation(db, first.code, T0 + 2), /not correct/);
    // While the invitation is pending, no existing user can claim that address.
    await assert.rejects(startEmailVerification(db, secret, noMail, { userId: alice, email: 'fay@home.example', hubUrl: HUB_URL }, T0 + 2), /invitation/);
    assert.equal(redeemInvitation(db, second.code, T0 + 2).email, 'Fay@home.example');
  });
});
