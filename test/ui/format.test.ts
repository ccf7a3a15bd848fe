import { strict as assert } from 'node:assert';
import { ago, bytes, daysUntil, duration } from '../../hub/ui/src/format';

describe('how the settings pages word times and sizes', () => {
  it('says lengths of time in their largest whole unit', () => {
    assert.equal(duration(0), 'less than a minute');
    assert.equal(duration(59), 'less than a minute');
    assert.equal(duration(60), '1 minute');
    assert.equal(duration(3 * 3600 + 59 * 60), '3 hours');
    assert.equal(duration(86400), '1 day');
    assert.equal(duration(10 * 86400), '10 days');
  });

  it('says how long ago, and never for no time at all', () => {
    const now = 1_700_000_000_000;
    assert.equal(ago(null, now), 'never');
    assert.equal(ago(now - 30_000, now), 'just now');
    assert.equal(ago(now - 5 * 60_000, now), '5 minutes ago');
    assert.equal(ago(now + 60_000, now), 'just now', 'a clock slightly ahead is not "in the future"');
  });

  it('says sizes as disks are sold, and days left until a date', () => {
    assert.equal(bytes(512), '512 bytes');
    assert.equal(bytes(1500), '1.5 kB');
    assert.equal(bytes(870_000_000), '870 MB');
    assert.equal(bytes(80_312_000_000), '80.3 GB');
    const now = Date.UTC(2025, 0, 1);
    assert.equal(daysUntil(Date.UTC(2025, 0, 31), now), 30);
    assert.equal(daysUntil(Date.UTC(2024, 11, 31), now), -1);
  });
});
