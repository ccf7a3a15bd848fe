import { strict as assert } from 'node:assert';
import { droppedClipsMessage, formatBytes, formatOutage } from '../../hub/spoolDropNotice';

describe("hub: the owner's notice about clips a camera dropped (pure)", () => {
  it('says sizes in decimal units and outages in their two largest units', () => {
    assert.deepEqual([0, 999, 1000, 41_000_000, 1_234_567_890].map(formatBytes), ['0 B', '999 B', '1 kB', '41 MB', '1.2 GB']);
    const min = 60_000;
    assert.deepEqual([45_000, 3 * min, 372 * min, 120 * min, 52 * 60 * min].map(formatOutage), ['45 s', '3 min', '6 h 12 min', '2 h', '2 d 4 h']);
    assert.throws(() => formatBytes(-1), /a byte count must be zero or more, not -1/);
    assert.throws(() => formatOutage(Number.NaN), /a duration must be zero or more/);
  });

  it('reads as the issue asks, and names a full hub disk as the reason when it was', () => {
    const report = { reportId: '00000000-0000-4000-8000-000000000001', since: 0, until: 372 * 60_000, droppedClips: 3, droppedBytes: 41_000_000, reason: 'unreachable' as const };
    assert.equal(droppedClipsMessage('porch', report), 'porch dropped 3 clips, 41 MB, while the hub was unreachable for 6 h 12 min.');
    assert.equal(droppedClipsMessage('gate', { ...report, droppedClips: 1, reason: 'hub-full' }), "gate dropped 1 clip, 41 MB, while the hub's disk could not take clips for 6 h 12 min.");
  });
});
