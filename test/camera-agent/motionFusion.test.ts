import { strict as assert } from 'node:assert';
import { MotionFusion, pirConfirms, type FusedMotion, type PirState } from '../../camera-agent/motionFusion';

describe('PIR and video motion', () => {
  describe('confirm policy', () => {
    const W = 5_000;
    const idle: PirState = { active: false, lastStartAt: null, lastEndAt: null };
    const firedAt = (start: number, end: number | null): PirState => ({ active: end === null, lastStartAt: start, lastEndAt: end });
    const cases: Array<[string, PirState, number, boolean]> = [
      ['the PIR never fired', idle, 10_000, false],
      ['the PIR is active as the video starts', firedAt(9_000, null), 10_000, true],
      ['the PIR has been active for a minute', firedAt(-50_000, null), 10_000, true],
      ['the PIR ended 4 s before', firedAt(2_000, 6_000), 10_000, true],
      ['the PIR ended exactly one window before', firedAt(2_000, 5_000), 10_000, true],
      ['the PIR ended 6 s before', firedAt(1_000, 4_000), 10_000, false],
      ['the PIR started 3 s after the video', firedAt(13_000, null), 10_000, true],
      ['the PIR started 7 s after the video', firedAt(17_000, null), 10_000, false],
      ['a short PIR pulse spans the video start', firedAt(10_000, 10_200), 10_000, true],
    ];
    for (const [what, pir, videoStartAt, counts] of cases) {
      it(`${counts ? 'counts' : 'does not count'} video motion when ${what}`, () => {
        assert.equal(pirConfirms(pir, videoStartAt, W), counts);
      });
    }
  });

  describe('motion from video and PIR together', () => {
    type Step = ['video' | 'pir', 'start' | 'end', number];
    function run(mode: 'trigger' | 'confirm', steps: Step[], windowMs = 5_000): FusedMotion[] {
      const fusion = new MotionFusion(mode, windowMs);
      const out: FusedMotion[] = [];
      for (const [source, kind, at] of steps) {
        const e = source === 'video' ? fusion.video(kind, at) : fusion.pirEvent(kind, at);
        if (e) out.push(e);
      }
      return out;
    }

    it('trigger: the PIR alone records (in the dark, where the video sees nothing)', () => {
      assert.deepEqual(run('trigger', [['pir', 'start', 1_000], ['pir', 'end', 4_000]]), [
        { kind: 'start', at: 1_000, by: 'pir' },
        { kind: 'end', at: 4_000, by: 'pir' },
      ]);
    });

    it('trigger: overlapping PIR and video motion is one event, until both have ended', () => {
      assert.deepEqual(
        run('trigger', [
          ['video', 'start', 1_000],
          ['pir', 'start', 1_500],
          ['video', 'end', 6_000],
          ['pir', 'end', 8_000],
        ]),
        [
          { kind: 'start', at: 1_000, by: 'video' },
          { kind: 'end', at: 8_000, by: 'pir' },
        ],
      );
    });

    it('confirm: video motion without the PIR (a swaying branch) records nothing', () => {
      assert.deepEqual(run('confirm', [['video', 'start', 1_000], ['video', 'end', 9_000]]), []);
    });

    it('confirm: the PIR alone records nothing', () => {
      assert.deepEqual(run('confirm', [['pir', 'start', 1_000], ['pir', 'end', 3_000]]), []);
    });

    it('confirm: video motion shortly after the PIR records, and ends with the video', () => {
      assert.deepEqual(
        run('confirm', [
          ['pir', 'start', 1_000],
          ['pir', 'end', 3_000],
          ['video', 'start', 4_000],
          ['video', 'end', 12_000],
        ]),
        [
          { kind: 'start', at: 4_000, by: 'video+pir' },
          { kind: 'end', at: 12_000, by: 'video' },
        ],
      );
    });

    it('confirm: a PIR that fires after the video started confirms it, dated at the video start', () => {
      assert.deepEqual(
        run('confirm', [
          ['video', 'start', 10_000],
          ['pir', 'start', 12_000],
          ['video', 'end', 15_000],
        ]),
        [
          { kind: 'start', at: 10_000, by: 'video+pir' },
          { kind: 'end', at: 15_000, by: 'video' },
        ],
      );
    });

    it('confirm: a PIR long after the video started does not confirm it', () => {
      assert.deepEqual(run('confirm', [['video', 'start', 10_000], ['pir', 'start', 20_000], ['video', 'end', 25_000]]), []);
    });

    it('ends open motion when the stream stops', () => {
      const fusion = new MotionFusion('trigger', 5_000);
      fusion.pirEvent('start', 1_000);
      assert.deepEqual(fusion.close(2_000), { kind: 'end', at: 2_000, by: 'video' });
      assert.equal(fusion.close(3_000), null);
    });
  });
});
