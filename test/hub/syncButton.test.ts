import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../common/atomicFile';
import { openDatabase, type DB } from '../../common/database';
import { simulatedGpio } from '../../common/gpio';
import { AuditLog } from '../../common/auditLog';
import { hubPaths } from '../../common/dataLayout';
import { pakeReady } from '../../common/pairingBinding';
import { pairInProcess } from '../helpers/pairInProcess';
import { openPairingFromButton } from '../../hub/syncButton';
import { startTestHub, type TestHub } from '../helpers/hub';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WindowRow {
  opened_at: number;
  expires_at: number;
  closed_at: number | null;
  closed_reason: string | null;
}

describe('hub sync button', function () {
  this.timeout(60_000);
  const tmp = useTempDir('porchlight-syncbutton-');
  before(() => pakeReady());
  const LINE = 23;
  const DEBOUNCE = 20;
  const SETTLE = DEBOUNCE * 4;
  // A press shows as a window only after the code's Argon2id run in the password worker: a
  // window that should not exist is looked for after this long.
  const AFTER_PRESS = 1_500;
  let t: TestHub | null = null;

  const windows = (db: DB) => db.prepare('SELECT opened_at, expires_at, closed_at, closed_reason FROM pairing_windows ORDER BY id').all() as WindowRow[];
  /** The windows once `n` exist: a press makes the code's record in the password worker first. */
  const windowsOnce = async (db: DB, n: number) => {
    const deadline = Date.now() + 10_000;
    while (windows(db).length < n && Date.now() < deadline) await sleep(20);
    return windows(db);
  };
  const audited = () => new AuditLog(t!.db, hubPaths(tmp.dir).auditHead).list({ action: 'pairing.opened' });
  // The simulated bank is per process: the hub opens the line from its config, the test drives it.
  const start = () => startTestHub(tmp.dir, { pairingWindowSeconds: 120, gpio: { simulate: true, syncButton: { line: LINE, debounceMs: DEBOUNCE } } });
  const press = async (holdMs = SETTLE) => {
    simulatedGpio.drive(LINE, true);
    await sleep(holdMs);
    simulatedGpio.drive(LINE, false);
    await sleep(SETTLE);
  };

  afterEach(async () => {
    await t?.stop();
    t = null;
    simulatedGpio.reset();
  });

  it('a press opens a pairing window, as the UI button does, audited as the sync button', async () => {
    t = await start();
    assert.deepEqual(windows(t.db), []);
    await press();
    const [w, ...more] = await windowsOnce(t.db, 1);
    assert.equal(more.length, 0);
    assert.equal(w!.closed_at, null, 'the window is open');
    assert.equal(w!.opened_at, t.clock.t, 'opened on the hub clock');
    assert.equal(w!.expires_at - w!.opened_at, 120_000, 'for hub.pairingWindowSeconds');
    const entries = audited();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.actor, 'sync-button');
    assert.deepEqual(entries[0]!.detail, { expiresAt: w!.expires_at });
  });

  it('holding the button down opens one window, not one per debounce period', async () => {
    t = await start();
    await press(SETTLE * 5);
    assert.equal((await windowsOnce(t.db, 1)).length, 1);
    await sleep(AFTER_PRESS);
    assert.equal(windows(t.db).length, 1, 'one window for the whole hold');
    await press();
    const all = await windowsOnce(t.db, 2);
    assert.equal(all.length, 2, 'pressing again opens a new window');
    assert.equal(all[0]!.closed_reason, 'replaced');
  });

  it('ignores a blip shorter than the debounce time', async () => {
    t = await start();
    await press(2);
    await sleep(AFTER_PRESS);
    assert.deepEqual(windows(t.db), []);
    assert.deepEqual(audited(), []);
  });

  it('a button already down at start opens nothing until it has been released', async () => {
    simulatedGpio.setLevel(LINE, 0); // active-low by default: held down
    t = await start();
    await sleep(AFTER_PRESS);
    assert.deepEqual(windows(t.db), []);
    simulatedGpio.drive(LINE, false);
    await sleep(SETTLE);
    await press();
    assert.equal((await windowsOnce(t.db, 1)).length, 1);
  });

  it('releases the line when the hub stops', async () => {
    t = await start();
    assert.equal(simulatedGpio.isOpen(LINE), true);
    await t.stop();
    t = null;
    assert.equal(simulatedGpio.isOpen(LINE), false);
  });

  it('opens a pairing window when another process presses a button kept in gpio.simulatedDir', async () => {
    const dir = path.join(tmp.dir, 'gpio');
    t = await startTestHub(tmp.dir, { gpio: { simulate: true, simulatedDir: dir, syncButton: { line: LINE, debounceMs: DEBOUNCE } } });
    const file = path.join(dir, `gpio${LINE}`);
    assert.equal(readFileSync(file, 'utf8'), '1\n', 'the hub gave the line its resting level: released (active-low)');
    // As `porchlight sim gpio press` does from its own process: the line to ground, then back up.
    await writeFileAtomic(file, '0\n');
    await sleep(SETTLE * 2);
    await writeFileAtomic(file, '1\n');
    const deadline = Date.now() + 5_000;
    while (windows(t.db).length === 0 && Date.now() < deadline) await sleep(20);
    assert.equal(windows(t.db).length, 1);
    assert.equal(audited()[0]?.actor, 'sync-button');
  });

  it('logs the one-time code so the installer can pair a camera with it', async () => {
    const db = openDatabase(hubPaths(tmp.dir).db);
    try {
      const { log, lines } = captureLog();
      const now = Date.now();
      const window = await openPairingFromButton({ db, audit: new AuditLog(db, hubPaths(tmp.dir).auditHead), log, windowMs: 60_000, now: () => now });
      const line = lines.find((l) => /pairing window opened by the sync button/.test(l.msg));
      assert.ok(line, JSON.stringify(lines));
      const shown = /pairing code (\d{8})/.exec(line.msg)?.[1];
      assert.equal(shown, window.code);
      assert.equal(pairInProcess(db, shown, 'porch', now + 1_000).name, 'porch');
    } finally {
      db.close();
    }
  });
});
