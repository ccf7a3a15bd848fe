import { strict as assert } from 'node:assert';
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AuditLog } from '../../common/auditLog';
import { hubPaths } from '../../common/dataLayout';
import { MIGRATIONS } from '../../common/migrations';
import { listNotices } from '../../common/notices';
import { hashToken } from '../../common/tokens';
import { addTestUser, PASSWORDS, signIn, startTestHub, type TestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';

/*
 * Migration 13 forgot every browser id known before it (they were chosen by browsers, possibly
 * planted). The hub read "no known browsers" as "never signed in", so after the upgrade the
 * first sign-in to each account, from any browser, raised no new-device notice. The attacker's
 * move: sign in with a stolen password right after the household's hub was upgraded, before
 * its owner does, and go unnoticed. Both upgrade paths are tried: a hub from before migration 13
 * (13 and the fix run together) and one that ran 13 before the fix.
 */
describe('new-device notice across the upgrade that forgot the known browsers', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  /** A hub database at schema `version`: the owner signed in before (browser and audit entry), the member never did. */
  async function oldHub(version: number, signedInAt: number): Promise<void> {
    const paths = hubPaths(tmp.dir);
    mkdirSync(tmp.dir, { recursive: true });
    const db = new Database(paths.db);
    try {
      for (const sql of MIGRATIONS.slice(0, version)) db.exec(sql);
      db.pragma(`user_version = ${version}`);
      await addTestUser(db, 'owner');
      await addTestUser(db, 'member');
      db.prepare('UPDATE users SET created_at = ?').run(signedInAt - 60_000);
      new AuditLog(db, paths.auditHead).append({ actor: 'user:owner', action: 'auth.login', ip: '192.168.1.20', detail: { method: 'password', newDevice: true } }, signedInAt);
      // From before 13: a browser id the browser chose, which 13 forgets.
      if (version < 13) db.prepare('INSERT INTO known_browsers (user_id, browser_hash, first_seen_at, last_seen_at) SELECT id, ?, ?, ? FROM users WHERE username = ?').run(hashToken('old-laptop'), signedInAt, signedInAt, 'owner');
    } finally {
      db.close();
    }
  }

  const newDeviceNotices = (username: string) => {
    const user = t!.db.prepare('SELECT id FROM users WHERE username = ?').get(username) as { id: number };
    return listNotices(t!.db, user.id).filter((n) => n.kind === 'new-device');
  };

  for (const version of [12, 14]) {
    it(`tells the owner of the first sign-in after the upgrade from a browser never seen (hub at schema ${version}), worded as possibly theirs; a never-used account's first sign-in stays quiet`, async () => {
      await oldHub(version, Date.now() - 30 * 24 * 3600_000);
      t = await startTestHub(tmp.dir);
      // The attacker, with the owner's password, in a browser the hub never saw.
      await signIn(t.base, 'owner', PASSWORDS.owner);
      const [notice, ...more] = newDeviceNotices('owner');
      assert.ok(notice, 'the owner is told of the sign-in');
      assert.equal(more.length, 0);
      assert.match(notice.message, /signed in from a new device/);
      assert.match(notice.message, /update .* forget the browsers your account had used, so this may be one of yours/);
      const audited = t.db.prepare("SELECT detail FROM audit_log WHERE action = 'auth.new_device'").all() as Array<{ detail: string }>;
      assert.equal(audited.length, 1, 'audited as a new device');

      await signIn(t.base, 'member', PASSWORDS.member);
      assert.deepEqual(newDeviceNotices('member'), [], "the member's very first sign-in ever is no news to anyone");
      await signIn(t.base, 'member', PASSWORDS.member);
      const memberNotices = newDeviceNotices('member');
      assert.equal(memberNotices.length, 1, "the member's next new browser is");
      assert.doesNotMatch(memberNotices[0]!.message, /update/, 'the member had no browsers to forget');
    });
  }
});
