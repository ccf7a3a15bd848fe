import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openDatabase, type DB } from '../../common/database';
import { hubPaths } from '../../common/dataLayout';
import { AuditLog, DETAIL_MAX_BYTES, GENESIS_HASH, verifyAuditLog } from '../../common/auditLog';
import { useTempDir } from '../helpers/tmp';

/** The compiled CLI next to this compiled test (works for dist/ and any --outDir). */
const CLI_MAIN = path.join(__dirname, '..', '..', 'cli', 'main.js');

interface Row {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  ip: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

/** The documented hash: SHA-256 hex of JSON [prev_hash, seq, at, actor, action, target, ip, detail]. */
function expectedHash(r: Omit<Row, 'hash'>): string {
  return createHash('sha256')
    .update(JSON.stringify([r.prev_hash, r.seq, r.at, r.actor, r.action, r.target, r.ip, r.detail]))
    .digest('hex');
}

function dropTriggers(db: DB): void {
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
}

function rows(db: DB): Row[] {
  return db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Row[];
}

describe('audit log', function () {
  this.timeout(120_000);
  const tmp = useTempDir('porchlight-audit-');
  let db: DB;
  let headFile: string;
  let log: AuditLog;
  const T0 = 1_700_000_000_000;

  beforeEach(() => {
    const paths = hubPaths(tmp.dir);
    db = openDatabase(paths.db);
    headFile = paths.auditHead;
    log = new AuditLog(db, headFile);
  });
  afterEach(() => {
    if (db.open) db.close();
  });

  function appendFive(): void {
    log.append({ actor: 'user:alice', action: 'auth.login', ip: '192.0.2.1', detail: { method: 'password' } }, T0);
    log.append({ actor: 'ip:192.0.2.9', action: 'auth.login_failed', target: 'bob', ip: '192.0.2.9', detail: { reason: 'wrong-password' } }, T0 + 1);
    log.append({ actor: 'user:alice', action: 'totp.enabled', target: 'user:alice' }, T0 + 2);
    log.append({ actor: 'cli', action: 'device.paired', target: 'device:1b4e28ba-2fa1-11d2-883f-0016d3cca427', detail: { name: 'porch' } }, T0 + 3);
    log.append({ actor: 'user:alice', action: 'clip.viewed', target: 'clip:abc', ip: '192.0.2.1' }, T0 + 4);
  }

  function head(): { seq: number; hash: string } {
    return JSON.parse(readFileSync(headFile, 'utf8')) as { seq: number; hash: string };
  }

  it('appends a hash chain that verifies, writes the head, and lists newest first', () => {
    const first = log.append({ actor: 'user:alice', action: 'auth.login', ip: '192.0.2.1', detail: { method: 'password' } }, T0);
    assert.deepEqual(first, {
      seq: 1,
      at: T0,
      actor: 'user:alice',
      action: 'auth.login',
      target: null,
      ip: '192.0.2.1',
      detail: { method: 'password' },
      hash: first.hash,
    });
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    for (let i = 1; i < 5; i++) log.append({ actor: 'system', action: 'device.revoked', target: `device:${i}` }, T0 + i);

    const all = rows(db);
    assert.deepEqual(all.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.equal(all[0]!.prev_hash, GENESIS_HASH);
    for (let i = 0; i < all.length; i++) {
      const r = all[i]!;
      if (i > 0) assert.equal(r.prev_hash, all[i - 1]!.hash);
      assert.equal(r.hash, expectedHash(r), `hash of #${r.seq} follows the documented encoding`);
    }
    assert.deepEqual(head(), { seq: 5, hash: all[4]!.hash });
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 5, lastSeq: 5 });

    assert.deepEqual(log.list({}).map((e) => e.seq), [5, 4, 3, 2, 1]);
    assert.deepEqual(log.list({ limit: 2 }).map((e) => e.seq), [5, 4]);
    assert.deepEqual(log.list({ limit: 2, beforeSeq: 4 }).map((e) => e.seq), [3, 2]);
    assert.deepEqual(log.list({ action: 'auth.login' }).map((e) => e.seq), [1]);
    assert.equal(log.list({ action: 'auth.login' })[0]!.hash, first.hash);
  });

  it('chains correctly when two connections (hub and CLI) append in turn', () => {
    const other = openDatabase(hubPaths(tmp.dir).db);
    try {
      const cliLog = new AuditLog(other, headFile);
      for (let i = 0; i < 6; i++) (i % 2 ? cliLog : log).append({ actor: i % 2 ? 'cli' : 'system', action: 'auth.lockout', target: `u${i}` }, T0 + i);
    } finally {
      other.close();
    }
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 6, lastSeq: 6 });
    assert.equal(head().seq, 6);
  });

  it('refuses UPDATE and DELETE through the triggers', () => {
    appendFive();
    assert.throws(() => db.prepare("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_log WHERE seq = 5').run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only/);
    assert.equal(rows(db).length, 5);
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 5, lastSeq: 5 });
  });

  it('caps detail at 4 KiB with a marker and clamps long fields, and still verifies', () => {
    const e = log.append({ actor: 'ip:192.0.2.9', action: 'auth.login_failed', target: 'x'.repeat(10_000), detail: { username: '"'.repeat(20_000) } }, T0);
    const stored = (db.prepare('SELECT detail, target FROM audit_log WHERE seq = 1').get() as { detail: string; target: string });
    assert.ok(Buffer.byteLength(stored.detail) <= DETAIL_MAX_BYTES, `detail is ${Buffer.byteLength(stored.detail)} bytes`);
    assert.ok(Buffer.byteLength(stored.detail) > DETAIL_MAX_BYTES - 16, 'the preview uses the room it has');
    assert.equal(e.detail?._truncated, true);
    assert.equal(typeof e.detail?._preview, 'string');
    assert.ok(stored.target.length < 300 && stored.target.endsWith('[truncated]'));
    const small = log.append({ actor: 'user:a', action: 'auth.login', detail: { multibyte: 'é'.repeat(5000) } }, T0 + 1);
    assert.equal(small.detail?._truncated, true);
    assert.ok(Buffer.byteLength((db.prepare('SELECT detail FROM audit_log WHERE seq = 2').get() as { detail: string }).detail) <= DETAIL_MAX_BYTES);
    assert.throws(() => log.append({ actor: 'cli', action: 'Not A Dotted Name' }), /action/);
    assert.throws(() => log.append({ actor: '', action: 'auth.login' }), /actor/);
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 2, lastSeq: 2 });
  });

  describe('tampering by someone holding the database file (triggers dropped)', () => {
    beforeEach(() => {
      appendFive();
      dropTriggers(db);
    });

    it('detects an edited detail at that entry', () => {
      db.prepare(`UPDATE audit_log SET detail = '{"reason":"none"}' WHERE seq = 2`).run();
      const r = verifyAuditLog(db, headFile);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.seq, 2);
      assert.match(!r.ok ? r.problem : '', /edited/);
    });

    it('detects an edited actor at that entry', () => {
      db.prepare("UPDATE audit_log SET actor = 'user:bob' WHERE seq = 3").run();
      const r = verifyAuditLog(db, headFile);
      assert.deepEqual(r, { ok: false, seq: 3, problem: 'its contents do not match its hash: the entry was edited' });
    });

    it('detects an edited entry whose own hash was recomputed, at the next link', () => {
      const r3 = rows(db)[2]!;
      const forged = { ...r3, actor: 'user:bob' };
      db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 3').run(forged.actor, expectedHash(forged));
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 4);
      assert.match(!r.ok ? r.problem : '', /#3/);
    });

    it('detects a rewritten newest entry (hash recomputed) through the head file', () => {
      const r5 = rows(db)[4]!;
      const forged = { ...r5, target: 'clip:other' };
      db.prepare('UPDATE audit_log SET target = ?, hash = ? WHERE seq = 5').run(forged.target, expectedHash(forged));
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 5);
      assert.match(!r.ok ? r.problem : '', /head/);
    });

    it('detects a deleted middle entry and names it', () => {
      db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 3);
      assert.match(!r.ok ? r.problem : '', /#3 is missing/);
    });

    it('detects a deleted first entry', () => {
      db.prepare('DELETE FROM audit_log WHERE seq = 1').run();
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 1);
    });

    it('detects deleted newest entries (truncation) and names the first missing one', () => {
      db.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 4);
      assert.match(!r.ok ? r.problem : '', /#4–#5 are missing/);
    });

    it('detects a fully emptied log', () => {
      db.prepare('DELETE FROM audit_log').run();
      const r = verifyAuditLog(db, headFile);
      assert.equal(!r.ok && r.seq, 1);
    });
  });

  it('accepts a head that lags the database (crash between commit and head write)', () => {
    appendFive();
    const all = rows(db);
    // One entry behind: the process died right after committing #5.
    writeFileSync(headFile, JSON.stringify({ seq: 4, hash: all[3]!.hash }));
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 5, lastSeq: 5 });
    // A few behind (two appenders racing) is the same lower bound.
    writeFileSync(headFile, JSON.stringify({ seq: 2, hash: all[1]!.hash }));
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 5, lastSeq: 5 });
    // The next append moves the head forward again.
    log.append({ actor: 'system', action: 'auth.lockout', target: 'bob' }, T0 + 10);
    assert.equal(head().seq, 6);
    // But a lagging head must still match the database at its seq.
    writeFileSync(headFile, JSON.stringify({ seq: 4, hash: all[2]!.hash }));
    const r = verifyAuditLog(db, headFile);
    assert.equal(!r.ok && r.seq, 4);
  });

  it('reports a missing head file when the log has entries, but not for an empty log', () => {
    assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: 0, lastSeq: 0 });
    appendFive();
    rmSync(headFile);
    const r = verifyAuditLog(db, headFile);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.seq, null);
    assert.match(!r.ok ? r.problem : '', /head file .* is missing .* 5 entries/);
    writeFileSync(headFile, 'not json');
    assert.match((verifyAuditLog(db, headFile) as { problem: string }).problem, /not valid/);
  });

  it('verifies a 20,000-entry log', () => {
    const n = 20_000;
    // Correctness only: skip the database fsync per append, and keep the head file (two fsyncs
    // per append) in memory-backed /dev/shm, so the test stays quick on a slow or busy disk
    // (on CI's loaded disk the 40,000 fsyncs alone took over two minutes).
    db.pragma('synchronous = OFF');
    const shm = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'porchlight-audit-head-'));
    headFile = path.join(shm, 'audit-head.json');
    log = new AuditLog(db, headFile);
    try {
      for (let i = 0; i < n; i++) {
        log.append({ actor: `user:u${i % 7}`, action: i % 3 ? 'clip.viewed' : 'auth.login', target: `clip:${i}`, ip: '192.0.2.1', detail: { i } }, T0 + i);
      }
      assert.deepEqual(verifyAuditLog(db, headFile), { ok: true, entries: n, lastSeq: n });
      assert.deepEqual(head().seq, n);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  describe('porchlight audit (CLI)', () => {
    let configFile: string;

    function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
      const launcher =
        `require(${JSON.stringify(CLI_MAIN)}).main(['node', 'porchlight', ...process.argv.slice(1)])` +
        `.catch((e) => { process.stderr.write('porchlight: ' + e.message + '\\n'); process.exit(1); })`;
      const r = spawnSync(process.execPath, ['-e', launcher, '--', ...args, '--config', configFile], { encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    beforeEach(() => {
      assert.ok(existsSync(CLI_MAIN), `built CLI expected at ${CLI_MAIN}`);
      configFile = path.join(tmp.dir, 'porchlight.yaml');
      writeFileSync(configFile, `version: 1\ndataDir: ${JSON.stringify(tmp.dir)}\nlog:\n  level: error\n`);
      appendFive();
      db.close();
    });

    it('exits 0 on an intact log and prints its head', () => {
      const r = cli('audit', 'verify');
      const lastHash = head().hash;
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `audit log ok: 5 entries, chain head #5 ${lastHash.slice(0, 12)}\n`);
    });

    it('exits 1 on a tampered log and names the broken entry', () => {
      db = openDatabase(hubPaths(tmp.dir).db);
      dropTriggers(db);
      db.prepare("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2").run();
      db.close();
      const r = cli('audit', 'verify');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^audit log BROKEN at entry #2: /);
    });

    it('exits 1 when the newest entries were deleted', () => {
      db = openDatabase(hubPaths(tmp.dir).db);
      dropTriggers(db);
      db.prepare('DELETE FROM audit_log WHERE seq = 5').run();
      db.close();
      const r = cli('audit', 'verify');
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^audit log BROKEN at entry #5: /);
    });

    it('lists recent entries one per line', () => {
      const r = cli('audit', 'list', '--limit', '2');
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^#5 2023-11-14T22:13:20\.004Z user:alice clip\.viewed target=clip:abc ip=192\.0\.2\.1$/);
      assert.match(lines[1]!, /^#4 .* cli device\.paired target=device:1b4e28ba-2fa1-11d2-883f-0016d3cca427 \{"name":"porch"\}$/);
    });
  });
});
