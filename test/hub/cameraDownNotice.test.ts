import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { AuditLog } from '../../common/auditLog';
import { createLogger } from '../../common/logger';
import { unconfiguredMailer } from '../../common/mailer';
import { listNotices } from '../../common/notices';
import { reportCameraDown } from '../../hub/cameraDownNotice';
import { openHubState } from '../../hub/hub';
import { addTestUser } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

describe('camera down and recovered: every owner told, audited', () => {
  const tmp = useTempDir();

  it('tells each owner (not other members) that a camera sends no video, then that it records again', async () => {
    const dir = path.join(tmp.dir, 'hub');
    const { db, paths } = await openHubState(dir);
    try {
      for (const [role, name] of [['owner', 'owner'], ['owner', 'second-owner'], ['member', 'member']] as const) await addTestUser(db, role, name);
      db.prepare('INSERT INTO devices (id, name, token_hash, created_at, token_issued_at) VALUES (?, ?, ?, ?, ?)').run('cam-1', 'porch', 'x', 0, 0);
      const now = 20 * 60_000;
      const report = reportCameraDown({ db, audit: new AuditLog(db, paths.auditHead), mailer: unconfiguredMailer(), log: createLogger('test', 'silent'), now: () => now });
      report({ kind: 'down', deviceId: 'cam-1', downSince: 0, report: null });
      report({ kind: 'recovered', deviceId: 'cam-1', downSince: 0 });
      const idOf = (name: string) => (db.prepare('SELECT id FROM users WHERE username = ?').get(name) as { id: number }).id;
      const kinds = (name: string) => listNotices(db, idOf(name)).map((n) => n.kind).sort();
      await until('both owners told twice', () => kinds('owner').length === 2 && kinds('second-owner').length === 2);
      assert.deepEqual(kinds('owner'), ['camera-down', 'camera-recovered']);
      assert.deepEqual(kinds('second-owner'), ['camera-down', 'camera-recovered']);
      assert.deepEqual(kinds('member'), [], 'members are not told');
      assert.match(listNotices(db, idOf('owner')).find((n) => n.kind === 'camera-down')!.message, /porch has sent no video for 20 minutes/);
      const actions = (db.prepare("SELECT action FROM audit_log WHERE action LIKE 'camera.%' ORDER BY seq").all() as Array<{ action: string }>).map((r) => r.action);
      assert.deepEqual(actions, ['camera.down', 'camera.recovered']);
    } finally {
      db.close();
    }
  });
});
