import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { agentConfigText } from '../../camera-agent/agentSetup';
import { parseConfig } from '../../common/config';
import { readServiceAccount } from '../../common/serviceAccount';
import { openPairingWindow } from '../../hub/pairing';
import { runCli } from '../helpers/cli';
import { startTestHub, type TestHub } from '../helpers/hub';
import { REPO_DIR } from '../helpers/repo';
import { skipBecause } from '../helpers/skip';
import { useTempDir } from '../helpers/tmp';

describe('porchlight agent pair --system', function () {
  this.timeout(120_000);
  const tmp = useTempDir('porchlight-agentpair-');

  describe('the camera config', () => {
    it('is new with the name, the service data dir and the source', () => {
      const text = agentConfigText(null, 'frontdoor', '/var/lib/porchlight/agents/frontdoor', 'v4l2:/dev/video0');
      const cfg = parseConfig(YAML.parse(text));
      assert.equal(cfg.dataDir, '/var/lib/porchlight/agents/frontdoor');
      assert.equal(cfg.agent.name, 'frontdoor');
      assert.equal(cfg.agent.source, 'v4l2:/dev/video0');
    });
    it('keeps the settings and comments of an existing one, and its source unless a new one is given', () => {
      const existing = '# porch camera, above the door\nagent:\n  name: old\n  source: rtsp://10.0.0.9/s\n  motion:\n    sensitivity: 8\n';
      const text = agentConfigText(existing, 'porch', '/var/lib/porchlight/agents/porch');
      assert.match(text, /# porch camera, above the door/);
      const cfg = parseConfig(YAML.parse(text));
      assert.equal(cfg.agent.motion.sensitivity, 8);
      assert.equal(cfg.agent.source, 'rtsp://10.0.0.9/s');
      assert.equal(cfg.agent.name, 'porch');
    });
    it('is refused without a source, or with a source that cannot work, before any code is spent', () => {
      assert.throws(() => agentConfigText(null, 'porch', '/d'), /give --source/);
      assert.throws(() => agentConfigText(null, 'porch', '/d', 'v4l2:/dev/cam'), /looks like v4l2:\/dev\/video0/);
    });
  });

  describe('on an installed tree', () => {
    let hub: TestHub | null = null;
    afterEach(async () => {
      await hub?.stop();
      hub = null;
    });

    it('pairs, writes /etc/porchlight/agents/NAME.yaml and the identity for the service user, and names the unit to start', async function () {
      if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v systemd-sysusers']).status !== 0) {
        skipBecause(this, 'needs root (to hand files to the service user) and systemd-sysusers');
      }
      const root = path.join(tmp.dir, 'root');
      mkdirSync(path.join(root, 'etc'), { recursive: true });
      const sysusers = spawnSync('systemd-sysusers', [`--root=${root}`, path.join(REPO_DIR, 'systemd', 'porchlight.sysusers')], { encoding: 'utf8' });
      assert.equal(sysusers.status, 0, sysusers.stderr);
      const account = readServiceAccount(root)!;
      hub = await startTestHub(path.join(tmp.dir, 'hub'));
      const { code } = await openPairingWindow(hub.db, 60_000);

      const bad = await runCli(['agent', 'pair', '--system', '--name', 'front door', '--source', 'v4l2:/dev/video0', '--hub', hub.base, '--code', code, '--root', root]);
      assert.notEqual(bad.code, 0);
      assert.match(bad.stderr, /cannot name a camera/);

      const r = await runCli(['agent', 'pair', '--system', '--name', 'frontdoor', '--source', 'v4l2:/dev/video0', '--hub', hub.base, '--code', code, '--root', root]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /sudo systemctl enable --now porchlight-agent@frontdoor$/m);

      const configFile = path.join(root, 'etc/porchlight/agents/frontdoor.yaml');
      const cfg = parseConfig(YAML.parse(readFileSync(configFile, 'utf8')));
      assert.equal(cfg.dataDir, '/var/lib/porchlight/agents/frontdoor');
      assert.equal(cfg.agent.source, 'v4l2:/dev/video0');
      const st = lstatSync(configFile);
      assert.deepEqual([st.mode & 0o777, st.uid, st.gid], [0o640, 0, account.gid]);

      const identity = path.join(root, 'var/lib/porchlight/agents/frontdoor/identity.json');
      assert.ok(existsSync(identity));
      const id = lstatSync(identity);
      assert.deepEqual([id.mode & 0o777, id.uid, id.gid], [0o600, account.uid, account.gid]);
      const dir = lstatSync(path.dirname(identity));
      assert.deepEqual([dir.mode & 0o777, dir.uid], [0o700, account.uid]);
      assert.equal((JSON.parse(readFileSync(identity, 'utf8')) as { name: string }).name, 'frontdoor');
    });
  });
});
