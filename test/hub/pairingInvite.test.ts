import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { pairCamera } from '../../camera-agent/pairCamera';
import { parsePairingUri } from '../../common/pairingUri';
import { openPairingWindow } from '../../hub/pairing';
import { addTestUser, PASSWORDS, signIn, startTestHub, type SignedIn, type TestHub } from '../helpers/hub';
import { call } from '../helpers/https';
import { useTempDir } from '../helpers/tmp';

// The CLI of the same build as this file (bin/porchlight.js always loads dist/, which may be another engineer's build).
const CLI_MAIN = path.join(__dirname, '..', '..', 'cli', 'main.js');
const LAUNCH = `require(process.argv[1]).main(['node', 'porchlight', ...process.argv.slice(2)]).catch((err) => {
  process.stderr.write('porchlight: ' + (err && err.message ? err.message : String(err)) + '\\n');
  process.exit(1);
});`;
const run = promisify(execFile);

describe('pairing link and QR code: porchlight://pair?hub=…&code=…&fp=…', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let t: TestHub;
  let owner: SignedIn;

  beforeEach(async () => {
    t = await startTestHub(path.join(tmp.dir, 'hub'));
    await addTestUser(t.db, 'owner');
    owner = await signIn(t.base, 'owner', PASSWORDS.owner);
  });
  afterEach(async () => t.stop());

  const caFingerprint = () => (JSON.parse(readFileSync(path.join(tmp.dir, 'hub', 'run', 'hub.json'), 'utf8')) as { caFingerprint: string }).caFingerprint;

  it('the pairing window comes with the link, its QR code and the command; the CLI pairs with the link alone', async () => {
    const res = await call(t.base, 'POST', '/api/pairing/open', { headers: owner.headers });
    assert.equal(res.status, 200, res.body.toString());
    const invite = res.json() as { code: string; uri: string; qr: string; command: string; manualCommand: string; hubUrl: string };
    assert.match(invite.code, /^[0-9]{8}$/);
    // The address the browser used, which a camera on the same network can use too.
    assert.equal(invite.hubUrl, `${t.base}/`);
    assert.deepEqual(parsePairingUri(invite.uri), { hubUrl: `${t.base}/`, code: invite.code, caFingerprint: caFingerprint().replace(/:/g, '') });
    assert.match(invite.qr, /^data:image\/svg\+xml;base64,/);
    assert.match(Buffer.from(invite.qr.split(',')[1]!, 'base64').toString(), /<svg[^>]*>.*<path/s);
    assert.equal(invite.command, `porchlight agent pair --uri '${invite.uri}'`);
    assert.equal(invite.manualCommand, `porchlight agent pair --hub ${t.base}/ --code ${invite.code}`);

    const agentDir = path.join(tmp.dir, 'agent');
    const out = await run(process.execPath, ['-e', LAUNCH, CLI_MAIN, 'agent', 'pair', '--uri', invite.uri, '--name', 'porch', '--data', agentDir]);
    assert.match(out.stdout, /paired "porch" as device/);
    const identity = JSON.parse(readFileSync(path.join(agentDir, 'identity.json'), 'utf8')) as { caFingerprint: string; hubUrl: string };
    assert.equal(identity.caFingerprint, caFingerprint());
    const devices = (await call(t.base, 'GET', '/api/devices', { headers: owner.headers })).json().devices as Array<{ name: string }>;
    assert.deepEqual(devices.map((d) => d.name), ['porch']);

    const both = run(process.execPath, ['-e', LAUNCH, CLI_MAIN, 'agent', 'pair', '--uri', invite.uri, '--code', '12345678', '--data', agentDir]);
    await assert.rejects(both, /give either --uri, or --hub and --code, not both/);
  });

  it('a link whose fingerprint is not this hub\'s never sends the code', async () => {
    const { code } = await openPairingWindow(t.db, 60_000);
    const wrong = 'AB'.repeat(32);
    await assert.rejects(pairCamera(path.join(tmp.dir, 'agent'), t.base, code, 'porch', wrong), /not the one in the pairing link/);
    assert.equal(existsSync(path.join(tmp.dir, 'agent', 'identity.json')), false);
    const window = t.db.prepare('SELECT attempts, closed_at FROM pairing_windows ORDER BY id DESC LIMIT 1').get() as { attempts: number; closed_at: number | null };
    assert.deepEqual(window, { attempts: 0, closed_at: null }, 'the hub never saw the code');
    const identity = await pairCamera(path.join(tmp.dir, 'agent'), t.base, code, 'porch', caFingerprint());
    assert.equal(identity.caFingerprint, caFingerprint());
  });
});
