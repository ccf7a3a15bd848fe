import { strict as assert } from 'node:assert';
import { planRetention, type LocalReason, type RetentionClip, type RetentionPlan, type RetentionPolicy } from '../../../common/retention/retentionPolicy';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MB = 1_000_000;
const GB = 1_000 * MB;
const NOW = Date.UTC(2024, 5, 1, 12);
const ago = (days: number): number => NOW - days * DAY;

const POLICY: RetentionPolicy = { localDays: 7, cloudDays: 30, localQuotaBytes: 100 * MB, minFreeBytes: 10 * MB };

// The four states a clip can be in, named for what exists where.
const uploaded = (id: string, startedAt: number, bytes = MB): RetentionClip => ({ id, startedAt, bytes, local: true, uploaded: true });
const pending = (id: string, startedAt: number, bytes = MB): RetentionClip => ({ id, startedAt, bytes, local: true, uploaded: false });
const cloudOnly = (id: string, startedAt: number, bytes = MB): RetentionClip => ({ id, startedAt, bytes, local: false, uploaded: true });
const nowhere = (id: string, startedAt: number, bytes = MB): RetentionClip => ({ id, startedAt, bytes, local: false, uploaded: false });

const del = (id: string, reason: LocalReason, bytes = MB, wasUploaded = true) => ({ id, bytes, reason, uploaded: wasUploaded });

// Rows state only what the plan does; everything unstated is empty.
function plan(p: Partial<RetentionPlan> & Pick<RetentionPlan, 'localBytesAfter'>): RetentionPlan {
  return { deleteLocal: [], deleteCloud: [], lost: [], forget: [], overQuota: false, ...p };
}

interface PlanCase {
  name: string;
  clips: RetentionClip[];
  policy?: Partial<RetentionPolicy>;
  freeBytes?: number;
  expected: RetentionPlan;
}

const cases: PlanCase[] = [
  {
    name: 'empty input',
    clips: [],
    expected: plan({ localBytesAfter: 0 }),
  },
  {
    name: 'nothing to do',
    clips: [uploaded('a', ago(1)), pending('b', ago(2)), cloudOnly('c', ago(10))],
    expected: plan({ localBytesAfter: 2 * MB }),
  },
  {
    name: 'cloud age only: the local copy outlives the cloud copy',
    clips: [uploaded('a', ago(31)), uploaded('b', ago(29))],
    policy: { localDays: 60 },
    expected: plan({ deleteCloud: ['a'], localBytesAfter: 2 * MB }),
  },
  {
    name: 'local age deletes an uploaded clip but never one not yet uploaded',
    clips: [uploaded('a', ago(8)), pending('b', ago(8)), uploaded('c', ago(6))],
    expected: plan({ deleteLocal: [del('a', 'age')], localBytesAfter: 2 * MB }),
  },
  {
    name: 'a clip not yet uploaded survives even past cloudDays',
    clips: [pending('a', ago(400))],
    expected: plan({ localBytesAfter: MB }),
  },
  {
    name: 'local age boundary: startedAt == cutoff is kept, 1 ms older goes',
    clips: [uploaded('a', ago(7)), uploaded('b', ago(7) - 1)],
    expected: plan({ deleteLocal: [del('b', 'age')], localBytesAfter: MB }),
  },
  {
    name: 'cloud age boundary: startedAt == cutoff is kept, 1 ms older goes',
    clips: [cloudOnly('a', ago(30)), cloudOnly('b', ago(30) - 1)],
    expected: plan({ deleteCloud: ['b'], forget: ['b'], localBytesAfter: 0 }),
  },
  {
    name: 'quota trims uploaded clips oldest first and stops as soon as under',
    clips: [uploaded('c', ago(3), 40 * MB), pending('d', ago(6), 30 * MB), uploaded('b', ago(4), 40 * MB), uploaded('a', ago(5), 10 * MB)],
    expected: plan({ deleteLocal: [del('a', 'quota', 10 * MB), del('b', 'quota', 40 * MB)], localBytesAfter: 70 * MB }),
  },
  {
    name: 'quota stops exactly at the quota',
    clips: [uploaded('a', ago(3), 10 * MB), uploaded('b', ago(2), 50 * MB), uploaded('c', ago(1), 50 * MB)],
    expected: plan({ deleteLocal: [del('a', 'quota', 10 * MB)], localBytesAfter: 100 * MB }),
  },
  {
    name: 'quota counts what age already freed',
    clips: [uploaded('a', ago(8), 30 * MB), uploaded('b', ago(2), 50 * MB), uploaded('c', ago(1), 50 * MB)],
    expected: plan({ deleteLocal: [del('a', 'age', 30 * MB)], localBytesAfter: 100 * MB }),
  },
  {
    name: 'quota with only clips not yet uploaded: overQuota, nothing deleted',
    clips: [pending('a', ago(2), 60 * MB), pending('b', ago(1), 60 * MB)],
    expected: plan({ localBytesAfter: 120 * MB, overQuota: true }),
  },
  {
    name: 'quota deletes every uploaded copy and is still over on clips not yet uploaded',
    clips: [pending('a', ago(2), 120 * MB), uploaded('b', ago(1), 10 * MB)],
    expected: plan({ deleteLocal: [del('b', 'quota', 10 * MB)], localBytesAfter: 120 * MB, overQuota: true }),
  },
  {
    name: 'clips without a local copy count toward neither quota nor disk',
    clips: [cloudOnly('a', ago(1), 500 * MB), nowhere('b', ago(1), 500 * MB), uploaded('c', ago(1), 90 * MB)],
    freeBytes: 0,
    policy: { minFreeBytes: 0 },
    expected: plan({ forget: ['b'], localBytesAfter: 90 * MB }),
  },
  {
    name: 'disk-full deletes every uploaded copy before the oldest clip not yet uploaded (lost)',
    clips: [pending('p1', ago(6), 10 * MB), uploaded('u1', ago(5), 10 * MB), pending('p2', ago(4), 10 * MB), uploaded('u2', ago(1), 5 * MB)],
    freeBytes: 5 * MB,
    policy: { minFreeBytes: 25 * MB },
    expected: plan({
      deleteLocal: [del('p1', 'disk-full', 10 * MB, false), del('u1', 'disk-full', 10 * MB), del('u2', 'disk-full', 5 * MB)],
      lost: ['p1'],
      forget: ['p1'],
      localBytesAfter: 10 * MB,
    }),
  },
  {
    name: 'disk-full already satisfied by the age deletions',
    clips: [uploaded('a', ago(8), 6 * MB), uploaded('b', ago(1), 6 * MB), pending('c', ago(2), 6 * MB)],
    freeBytes: 5 * MB,
    expected: plan({ deleteLocal: [del('a', 'age', 6 * MB)], localBytesAfter: 12 * MB }),
  },
  {
    name: 'disk-full already satisfied by the quota deletions (free == minFree is enough)',
    clips: [uploaded('a', ago(3), 20 * MB), pending('b', ago(1), 15 * MB)],
    freeBytes: 0,
    policy: { localQuotaBytes: 20 * MB, minFreeBytes: 20 * MB },
    expected: plan({ deleteLocal: [del('a', 'quota', 20 * MB)], localBytesAfter: 15 * MB }),
  },
  {
    name: 'disk-full picks up where age left off, and a clip is deleted only once',
    clips: [uploaded('a', ago(8), 10 * MB), uploaded('b', ago(2), 10 * MB), pending('c', ago(1), 10 * MB)],
    freeBytes: 0,
    policy: { minFreeBytes: 15 * MB },
    expected: plan({ deleteLocal: [del('a', 'age', 10 * MB), del('b', 'disk-full', 10 * MB)], localBytesAfter: 10 * MB }),
  },
  {
    name: 'a disk filled by something else keeps the clips that exist nowhere else (deleting them would not help)',
    clips: [pending('b', ago(1)), pending('a', ago(2)), uploaded('d', ago(3)), cloudOnly('c', ago(3))],
    freeBytes: 0,
    policy: { minFreeBytes: GB },
    expected: plan({ deleteLocal: [del('d', 'disk-full')], localBytesAfter: 2 * MB, overQuota: false }),
  },
  {
    name: 'a disk that deleting not-uploaded clips can free loses only as many as needed',
    clips: [pending('b', ago(1)), pending('a', ago(2)), pending('e', ago(0.5))],
    freeBytes: 0,
    policy: { minFreeBytes: 1.5 * MB },
    expected: plan({
      deleteLocal: [del('a', 'disk-full', MB, false), del('b', 'disk-full', MB, false)],
      lost: ['a', 'b'],
      forget: ['a', 'b'],
      localBytesAfter: MB,
    }),
  },
  {
    name: 'ties on startedAt are broken by id',
    clips: [uploaded('b', ago(2), 10 * MB), uploaded('a', ago(2), 10 * MB), uploaded('c', ago(1), 90 * MB)],
    expected: plan({ deleteLocal: [del('a', 'quota', 10 * MB)], localBytesAfter: 100 * MB }),
  },
  {
    name: 'every list is oldest first whatever the input order',
    clips: [cloudOnly('z', ago(40)), uploaded('b', ago(35)), cloudOnly('m', ago(40)), uploaded('a', ago(35)), cloudOnly('c', ago(50))],
    expected: plan({
      deleteLocal: [del('a', 'age'), del('b', 'age')],
      deleteCloud: ['c', 'm', 'z', 'a', 'b'],
      forget: ['c', 'm', 'z', 'a', 'b'],
      localBytesAfter: 0,
    }),
  },
  {
    name: 'forget after cloud age of a clip whose local copy went earlier',
    clips: [cloudOnly('a', ago(31)), cloudOnly('b', ago(20))],
    expected: plan({ deleteCloud: ['a'], forget: ['a'], localBytesAfter: 0 }),
  },
  {
    name: 'a clip both locally and cloud aged loses both copies and is forgotten',
    clips: [uploaded('a', ago(31)), uploaded('b', ago(8))],
    expected: plan({ deleteLocal: [del('a', 'age'), del('b', 'age')], deleteCloud: ['a'], forget: ['a'], localBytesAfter: 0 }),
  },
  {
    name: 'a clip with no copy in the input is forgotten and nothing else',
    clips: [nowhere('a', ago(1), 5 * MB)],
    expected: plan({ forget: ['a'], localBytesAfter: 0 }),
  },
  {
    name: 'a cloud-expired clip trimmed by quota is forgotten, not lost (its backup lived out cloudDays)',
    clips: [uploaded('a', ago(40), 60 * MB), uploaded('b', ago(10), 60 * MB)],
    policy: { localDays: 60, cloudDays: 30 },
    expected: plan({ deleteLocal: [del('a', 'quota', 60 * MB)], deleteCloud: ['a'], forget: ['a'], localBytesAfter: 60 * MB }),
  },
  {
    name: 'a quota of 0 removes every uploaded copy',
    clips: [uploaded('a', ago(2)), pending('b', ago(1))],
    policy: { localQuotaBytes: 0 },
    expected: plan({ deleteLocal: [del('a', 'quota')], localBytesAfter: MB, overQuota: true }),
  },
];

interface ErrorCase {
  name: string;
  policy?: Partial<Record<keyof RetentionPolicy, unknown>>;
  freeBytes?: number;
  now?: number;
  error: RegExp;
}

const invalid: ErrorCase[] = [
  { name: 'localDays below 1', policy: { localDays: 0.5 }, error: /localDays/ },
  { name: 'cloudDays of 0', policy: { cloudDays: 0 }, error: /cloudDays/ },
  { name: 'infinite localDays', policy: { localDays: Infinity }, error: /localDays/ },
  { name: 'cloudDays given as a string', policy: { cloudDays: '30' }, error: /cloudDays/ },
  { name: 'negative localQuotaBytes', policy: { localQuotaBytes: -1 }, error: /localQuotaBytes/ },
  { name: 'NaN minFreeBytes', policy: { minFreeBytes: NaN }, error: /minFreeBytes/ },
  { name: 'NaN freeBytes', freeBytes: NaN, error: /freeBytes/ },
  { name: 'NaN now', now: NaN, error: /\bnow\b/ },
];

describe('retention plan', () => {
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.clips);
      const actual = planRetention(c.clips, { ...POLICY, ...c.policy }, c.freeBytes ?? GB, NOW);
      assert.deepEqual(actual, c.expected);
      assert.deepEqual(c.clips, before, 'the input is not modified');
    });
  }

  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      const policy = { ...POLICY, ...c.policy } as RetentionPolicy;
      assert.throws(() => planRetention([uploaded('a', ago(1))], policy, c.freeBytes ?? GB, c.now ?? NOW), { name: 'RangeError', message: c.error });
    });
  }

  it('stays correct on 10,000 clips', () => {
    // Clip i started i+1 hours ago; even ones are uploaded. With the numbers below:
    // age takes the uploaded ones at i >= 168 (4916), the cloud those at i >= 8760 (620),
    // quota the 84 uploaded ones left (landing exactly on 5,000,000 bytes), and the disk
    // needs 3,000,000 more: the 3000 oldest not uploaded, odd i from 4001 to 9999.
    const id = (i: number) => `c${String(i).padStart(5, '0')}`;
    const clips: RetentionClip[] = [];
    for (let i = 0; i < 10_000; i++) clips.push({ id: id(i), startedAt: NOW - (i + 1) * HOUR, bytes: 1000, local: true, uploaded: i % 2 === 0 });
    // A fixed shuffle, so the order of the output is the function's doing, not the input's.
    let seed = 42;
    for (let i = clips.length - 1; i > 0; i--) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const j = seed % (i + 1);
      [clips[i], clips[j]] = [clips[j]!, clips[i]!];
    }

    const policy: RetentionPolicy = { localDays: 7, cloudDays: 365, localQuotaBytes: 5_000_000, minFreeBytes: 9_000_000 };
    const result = planRetention(clips, policy, 1_000_000, NOW);

    const count = (reason: LocalReason) => result.deleteLocal.filter((d) => d.reason === reason).length;
    assert.deepEqual(
      { age: count('age'), quota: count('quota'), diskFull: count('disk-full'), cloud: result.deleteCloud.length, lost: result.lost.length, forget: result.forget.length },
      { age: 4916, quota: 84, diskFull: 3000, cloud: 620, lost: 3000, forget: 3620 },
    );
    assert.equal(result.localBytesAfter, 2_000_000);
    assert.equal(result.overQuota, false);

    const ids = result.deleteLocal.map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no clip is deleted twice');
    // Older means a larger i, and ids are zero-padded, so oldest first is descending id order.
    assert.deepEqual(ids, [...ids].sort().reverse());
    assert.deepEqual(result.deleteCloud, [...result.deleteCloud].sort().reverse());
    assert.equal(result.lost[0], id(9999));
    assert.equal(result.lost.at(-1), id(4001));
    assert.ok(result.lost.every((l) => Number(l.slice(1)) % 2 === 1), 'only clips not yet uploaded are lost');
    assert.ok(result.deleteLocal.filter((d) => d.reason === 'quota').every((d) => Number(d.id.slice(1)) < 168));
  });
});
