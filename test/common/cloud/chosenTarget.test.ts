import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../../../common/config';
import { openRelay } from '../../../cloud-relay/relayService';
import { makeClipHub, type ClipHub } from '../../helpers/clipFactory';
import { addTestUser, JSON_HEADERS, PASSWORDS, signIn, startTestHub, type TestHub } from '../../helpers/hub';
import { call } from '../../helpers/https';
import { captureLog } from '../../helpers/logCapture';
import { startS3, type S3Peer } from '../../helpers/s3';
import { useTempDir } from '../../helpers/tmp';
import { until } from '../../helpers/wait';

describe('relay follows the target chosen in the web UI', function () {
  this.timeout(120_000);
  const tmp = useTempDir();
  let t: TestHub;
  let clips: ClipHub;
  let s3: S3Peer;
  let relay: Awaited<ReturnType<typeof openRelay>> | null = null;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'owner');
    clips = await makeClipHub(path.join(tmp.dir, 'hub'));
    s3 = await startS3(tmp.dir);
  });
  afterEach(async () => {
    await relay?.close();
    relay = null;
    clips.close();
    await t.stop();
    await s3.close();
  });

  it('uploads to the new target without a restart once the owner saves it', async () => {
    const hubDir = path.join(tmp.dir, 'hub');
    const config = parseConfig({ dataDir: hubDir, relay: { pollSeconds: 0.1, probeSeconds: 0.3 } });
    const logs = captureLog();
    relay = await openRelay(config, hubDir, logs.log);
    relay.relay.start();

    // Before any choice: the default folder beside the hub's data.
    const first = await clips.addClip();
    const defaultFolder = path.join(hubDir, 'cloud');
    await until('the first clip in the default folder', () => readdirSync(defaultFolder, { withFileTypes: true }).some((e) => e.name.endsWith('.plc')), 20_000);
    assert.equal(s3.running, true);
    assert.deepEqual(await s3.listObjects(), []);

    const owner = await signIn(t.base, 'owner', PASSWORDS.owner);
    const saved = await call(t.base, 'PUT', '/api/cloud/target', {
      body: JSON.stringify({ type: 's3', endpoint: s3.endpoint, bucket: 'footage', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', prefix: 'home/' }),
      headers: { ...owner.headers, ...JSON_HEADERS },
    });
    assert.equal(saved.status, 200, saved.body.toString());

    const second = await clips.addClip();
    const stateOf = (clipId: string) => (t.db.prepare('SELECT state FROM upload_queue WHERE clip_id = ?').get(clipId) as { state: string }).state;
    await until('the second clip uploaded', () => stateOf(second.clipId) === 'uploaded', 30_000);
    const objects = await s3.listObjects();
    assert.deepEqual(objects.map((o) => o.key.replace(/[0-9a-f]{32}/, 'X')).sort(), ['home/X.plc', 'home/X.plm'], 'the clip and its manifest, in the chosen folder of the bucket');
    // The clip uploaded before the switch stays where it went; only new uploads move.
    assert.equal(stateOf(first.clipId), 'uploaded');
    assert.ok(logs.messages('info').includes('the upload target was changed; new uploads go there'));
  });
});
