import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { SMTPServer } from 'smtp-server';
import { useTempDir } from '../helpers/tmp';
import { call } from '../helpers/https';
import { makeTestMp4 } from '../helpers/media';
import { startSmtp, stop, type Received } from '../helpers/smtp';
import { acceptInvitation, addTestUser, INVITATION_ROUTES, JSON_HEADERS, login, passwordProof, PASSWORDS, poster, signIn, startedRegistration, startTestHub, type TestHub } from '../helpers/hub';
import { ClipEncryptor } from '../../common/clipEnvelope';
import type { PairResponse } from '../../common/protocol';
import { pairWithHub } from '../../camera-agent/hubClient';
import { openPairingWindow } from '../../hub/pairing';

describe('hub household: invitations by mail, verified addresses, camera grants', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let smtp: { server: SMTPServer; port: number; inbox: Received[] } | undefined;

  afterEach(async () => {
    await t.stop();
    await stop(smtp?.server);
    smtp = undefined;
  });

  async function uploadClip(cam: PairResponse): Promise<string> {
    const clipId = randomUUID();
    const enc = await ClipEncryptor.create({ publicKey: new Uint8Array(Buffer.from(cam.footagePublicKey, 'base64')) }, { clipId, deviceId: cam.deviceId });
    const body = Buffer.concat([enc.header, ...enc.push(makeTestMp4(tmp.dir)), enc.final()]);
    const res = await call(t.base, 'POST', '/api/device/clips', {
      body,
      headers: {
        authorization: `Bearer ${cam.token}`,
        'content-type': 'application/octet-stream',
        'x-porchlight-clip': JSON.stringify({ clipId, startedAt: Date.now(), endedAt: Date.now() + 2000, mediaStart: 0, mediaEnd: 2, trigger: 'motion' }),
      },
    });
    assert.equal(res.status, 201, res.body.toString());
    return clipId;
  }

  it('mails an invitation through SMTP; the invitee joins as a viewer and sees only the granted camera', async () => {
    smtp = await startSmtp();
    t = await startTestHub(tmp.dir, { smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'Porchlight <hub@home.test>' } });
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const front = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'front door');
    const garden = await pairWithHub(t.base, (await openPairingWindow(t.db, 60_000)).code, 'garden');
    const frontClip = await uploadClip(front);
    const gardenClip = await uploadClip(garden);

    const invite = await call(t.base, 'POST', '/api/users/invitations', {
      body: JSON.stringify({ email: 'nan@home.test', role: 'viewer', grants: [front.deviceId] }),
      headers: { ...owner.headers, ...JSON_HEADERS },
    });
    assert.equal(invite.status, 200, invite.body.toString());
    assert.equal(invite.json().sent, true);
    assert.equal(invite.json().code, undefined, 'a mailed code is not echoed back');
    assert.equal(smtp.inbox.length, 1);
    const mail = smtp.inbox[0]!;
    assert.deepEqual(mail.to, ['nan@home.test']);
    const code = /#invite=([A-Za-z0-9_-]+)/.exec(mail.body)?.[1];
    assert.ok(code, mail.body);

    const accept = await acceptInvitation(t.base, code, 'nan', 'tea with grandmother at four');
    assert.equal(accept.status, 200, accept.body.toString());
    const reuse = await acceptInvitation(t.base, code, 'nan2', 'tea with grandmother at four');
    assert.equal(reuse.status, 400, 'an invitation works once');

    const nan = await signIn(t.base, 'nan', 'tea with grandmother at four');
    const me = (await call(t.base, 'GET', '/api/session', { headers: nan.headers })).json().user;
    assert.deepEqual({ role: me.role, email: me.email, verified: me.emailVerified }, { role: 'viewer', email: 'nan@home.test', verified: true });
    const clips = (await call(t.base, 'GET', '/api/clips', { headers: nan.headers })).json().clips as Array<{ id: string }>;
    assert.deepEqual(clips.map((c) => c.id), [frontClip]);
    assert.equal((await call(t.base, 'GET', `/api/clips/${frontClip}/video`, { headers: nan.headers })).status, 200);
    assert.equal((await call(t.base, 'GET', `/api/clips/${gardenClip}/video`, { headers: nan.headers })).status, 404, 'an ungranted camera is invisible');

    const users = (await call(t.base, 'GET', '/api/users', { headers: owner.headers })).json().users as Array<{ username: string; id: number }>;
    const nanId = users.find((u) => u.username === 'nan')!.id;
    await call(t.base, 'PUT', `/api/users/${nanId}/grants`, { body: JSON.stringify({ devices: [garden.deviceId] }), headers: { ...owner.headers, ...JSON_HEADERS } });
    const after = (await call(t.base, 'GET', '/api/clips', { headers: nan.headers })).json().clips as Array<{ id: string }>;
    assert.deepEqual(after.map((c) => c.id), [gardenClip], 'grants apply at once');

    const audit = (await call(t.base, 'GET', '/api/audit?limit=100', { headers: owner.headers })).json().entries as Array<{ action: string }>;
    for (const action of ['user.invited', 'user.created', 'user.grants_changed', 'clip.viewed', 'device.paired']) {
      assert.ok(audit.some((e) => e.action === action), `audit has ${action}`);
    }
  });

  it('without SMTP, shows pending codes to the owner so a LAN-only home still verifies addresses', async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    await addTestUser(t.db, 'member');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const member = await signIn(t.base, 'member', PASSWORDS.member);
    const proof = await passwordProof(t.base, member.headers, PASSWORDS.member);
    const set = await call(t.base, 'POST', '/api/me/email', { body: JSON.stringify({ email: 'new@home.test', proof }), headers: { ...member.headers, ...JSON_HEADERS } });
    assert.deepEqual(set.json(), { sent: false, mailConfigured: false });
    const pending = (await call(t.base, 'GET', '/api/email-codes', { headers: owner.headers })).json();
    assert.equal(pending.mailConfigured, false);
    const entry = pending.codes.find((c: { email: string }) => c.email === 'new@home.test');
    assert.ok(entry?.code, 'the owner can read the code');
    assert.equal((await call(t.base, 'GET', '/api/email-codes', { headers: member.headers })).status, 403, 'only the owner sees codes');
    const wrong = await call(t.base, 'POST', '/api/me/email/confirm', { body: JSON.stringify({ code: 'WRONGCOD' }), headers: { ...member.headers, ...JSON_HEADERS } });
    assert.equal(wrong.status, 400);
    const ok = await call(t.base, 'POST', '/api/me/email/confirm', { body: JSON.stringify({ code: entry.code }), headers: { ...member.headers, ...JSON_HEADERS } });
    assert.equal(ok.status, 200, ok.body.toString());
    const me = (await call(t.base, 'GET', '/api/session', { headers: member.headers })).json().user;
    assert.deepEqual({ email: me.email, verified: me.emailVerified }, { email: 'new@home.test', verified: true });
  });

  it('lets exactly one of two people racing with the same invitation code join', async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const invite = await call(t.base, 'POST', '/api/users/invitations', { body: JSON.stringify({ email: 'kid@home.test', role: 'member' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    const code = invite.json().code as string;
    const accept = (username: string) => acceptInvitation(t.base, code, username, 'a ladder of small green frogs');
    const statuses = (await Promise.all([accept('kid'), accept('kid2')])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 400]);
    assert.equal((t.db.prepare("SELECT COUNT(*) AS n FROM users WHERE email = 'kid@home.test'").get() as { n: number }).n, 1);
    assert.equal((t.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n, 2, 'no account was made with a spent code');
  });

  it('needs the invitation code at the last step and spends it once: a replayed or second finish stores nobody', async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const invite = (email: string) =>
      call(t.base, 'POST', '/api/users/invitations', { body: JSON.stringify({ email, role: 'member' }), headers: { ...owner.headers, ...JSON_HEADERS } }).then((r) => r.json().code as string);
    const code = await invite('kid@home.test');
    const otherCode = await invite('aunt@home.test');
    const users = () => (t.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    const post = poster(t.base);
    // Two registrations started with the one code (the invitee's and an attacker's who saw the link).
    const kid = await startedRegistration(post, INVITATION_ROUTES.start, { code, username: 'kid' }, 'a ladder of small green frogs');
    const mallory = await startedRegistration(post, INVITATION_ROUTES.start, { code, username: 'mallory' }, 'mallory picks a password');
    const mallory2 = await startedRegistration(post, INVITATION_ROUTES.start, { code, username: 'mallory2' }, 'mallory picks a password');
    const noCode = await post(INVITATION_ROUTES.finish, mallory);
    assert.equal(noCode.status, 400, 'the code is required at the finish');
    const wrongCode = await post(INVITATION_ROUTES.finish, { ...mallory, code: otherCode });
    assert.equal(wrongCode.status, 400, 'another invitation does not finish this one');
    assert.match(wrongCode.json().error.message, /not the invitation code/);
    assert.equal(users(), 1);

    const done = await post(INVITATION_ROUTES.finish, { ...kid, code });
    assert.equal(done.status, 200, done.body.toString());
    assert.deepEqual(done.json(), { ok: true, username: 'kid', role: 'member' });
    const replayed = await post(INVITATION_ROUTES.finish, { ...kid, code });
    assert.equal(replayed.status, 401, 'a replayed finish is refused');
    const second = await post(INVITATION_ROUTES.finish, { ...mallory2, code });
    assert.equal(second.status, 400, 'started before the code was spent, finished after: refused');
    assert.match(second.json().error.message, /already used/);
    assert.equal((await post(INVITATION_ROUTES.finish, { ...mallory, code })).status, 401, 'a refused finish spent its step');
    assert.equal(users(), 2);
    for (const name of ['mallory', 'mallory2']) assert.equal((await login(t.base, name, 'mallory picks a password')).status, 401);
    assert.equal((await login(t.base, 'kid', 'a ladder of small green frogs')).status, 200);
  });

  it('refuses a second registration of a spent invitation, forgets a started one after a minute, and refuses the old one-request accept', async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const code = (await call(t.base, 'POST', '/api/users/invitations', { body: JSON.stringify({ email: 'kid@home.test', role: 'member' }), headers: { ...owner.headers, ...JSON_HEADERS } })).json().code as string;
    const users = () => (t.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    const post = poster(t.base);

    const old = await call(t.base, 'POST', '/api/invitations/accept', { body: JSON.stringify({ code, username: 'kid', password: 'a ladder of small green frogs' }), headers: JSON_HEADERS });
    assert.equal(old.status, 410);
    assert.equal(old.json().error.code, 'INVITATION_PROTOCOL_CHANGED');
    assert.match(old.json().error.message, /\/api\/invitations\/accept\/start/);
    assert.equal(users(), 1);

    const slow = await startedRegistration(post, INVITATION_ROUTES.start, { code, username: 'kid' }, 'a ladder of small green frogs');
    const other = await startedRegistration(post, INVITATION_ROUTES.start, { code, username: 'mallory' }, 'mallory picks a password');
    t.clock.advance(61_000);
    const expired = await post(INVITATION_ROUTES.finish, { ...slow, code });
    assert.equal(expired.status, 401);
    assert.equal(expired.json().error.code, 'REGISTRATION_EXPIRED');
    assert.equal(users(), 1);

    assert.equal((await acceptInvitation(t.base, code, 'kid', 'a ladder of small green frogs')).status, 200, 'the code is still good after an expired try');
    const spent = await post(INVITATION_ROUTES.finish, { ...other, code });
    assert.equal(spent.status, 401, 'expired as well');
    const again = await acceptInvitation(t.base, code, 'mallory', 'mallory picks a password');
    assert.equal(again.status, 400);
    assert.match(again.json().error.message, /already used/);
    assert.equal(users(), 2);
  });

  it('never lets the last owner be demoted or removed', async () => {
    t = await startTestHub(tmp.dir);
    await addTestUser(t.db, 'owner');
    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const id = (await call(t.base, 'GET', '/api/session', { headers: owner.headers })).json().user.id as number;
    const demote = await call(t.base, 'PATCH', `/api/users/${id}`, { body: JSON.stringify({ role: 'member' }), headers: { ...owner.headers, ...JSON_HEADERS } });
    assert.equal(demote.status, 400);
    assert.match(demote.json().error.message, /last owner/);
    assert.equal((await call(t.base, 'DELETE', `/api/users/${id}`, { headers: owner.headers })).status, 400);
  });
});
