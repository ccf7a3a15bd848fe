import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterReport, noteDrops, noteFailure, noteSuccess, OutageLedger } from '../../camera-agent/outageLedger';
import { useTempDir } from '../helpers/tmp';

let n = 0;
const ids = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

describe('outage ledger: what the camera owes the hub after an outage', () => {
  const tmp = useTempDir();

  it('an outage without drops is forgotten once clips go through again; nothing to report', () => {
    const s = noteFailure(null, 1000, 'unreachable', ids);
    assert.equal(s.since, 1000);
    assert.equal(noteFailure(s, 5000, 'unreachable', ids).since, 1000, 'a later failure does not move the start');
    assert.deepEqual(noteSuccess(s, 9000), { state: null, report: null });
  });

  it('drops during an outage become one report from the first failure to the first delivery', () => {
    let s = noteFailure(null, 1000, 'unreachable', ids);
    s = noteDrops(s, 2, 30, 4000, ids);
    s = noteDrops(s, 1, 11, 6000, ids);
    const { state, report } = noteSuccess(s, 10_000);
    assert.deepEqual(report, { reportId: s.reportId, since: 1000, until: 10_000, droppedClips: 3, droppedBytes: 41, reason: 'unreachable' });
    assert.equal(state?.until, 10_000, 'kept until the hub has it');
    assert.equal(afterReport(state, report, ids), null);
  });

  it('drops counted while the report was on its way stay for a new report', () => {
    let s = noteDrops(noteFailure(null, 0, 'hub-full', ids), 1, 10, 100, ids);
    const { state, report } = noteSuccess(s, 500);
    s = noteDrops(state, 2, 20, 600, ids);
    const rest = afterReport(s, report!, ids);
    assert.ok(rest);
    assert.notEqual(rest.reportId, report!.reportId);
    assert.deepEqual({ since: rest.since, clips: rest.droppedClips, bytes: rest.droppedBytes }, { since: 500, clips: 2, bytes: 20 });
    assert.equal(report!.reason, 'hub-full');
  });

  it('survives a restart on disk, and resets a file that is not an outage record', async () => {
    const file = path.join(tmp.dir, 'outage.json');
    const a = new OutageLedger(file);
    assert.deepEqual(await a.load(), { ok: true });
    const state = noteDrops(noteFailure(null, 1, 'unreachable', ids), 1, 5, 2, ids);
    await a.set(state);
    const b = new OutageLedger(file);
    await b.load();
    assert.deepEqual(b.current, state);
    await b.set(null);
    assert.equal(existsSync(file), false);

    writeFileSync(file, JSON.stringify({ since: 'yesterday' }));
    const c = new OutageLedger(file);
    const loaded = await c.load();
    assert.equal(loaded.ok, false);
    assert.equal(c.current, null);
    assert.equal(existsSync(file), false);
    writeFileSync(file, '{not json');
    assert.deepEqual(await new OutageLedger(file).load(), { ok: false, problem: 'not JSON' });
  });
});
