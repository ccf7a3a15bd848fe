import { strict as assert } from 'node:assert';
import { defaultCameraSettings, type CameraSettingsMessage } from '../../common/cameraSettings';
import type { FrameDetector } from '../../camera-agent/analysisStage';
import type { RecorderSettings } from '../../camera-agent/clipRecorder';
import type { DetectorSettings } from '../../camera-agent/motionPlan';
import { settingsApplier } from '../../camera-agent/settingsApplier';

class FakeDetector implements FrameDetector {
  disposed = false;
  constructor(readonly settings: DetectorSettings) {}
  process() {
    return { regions: [], changedRatio: 0 };
  }
  reset() {}
  dispose() {
    this.disposed = true;
  }
}

function setup() {
  const state = {
    detector: null as FakeDetector | null,
    built: [] as FakeDetector[],
    retriggerSeconds: 10,
    recorder: null as Omit<RecorderSettings, 'armed'> | null,
    audioChanges: [] as boolean[],
  };
  const apply = settingsApplier({
    makeDetector: (s) => {
      // As MotionDetector does: zones that leave nothing to watch are refused.
      if (s.zones.length > 0 && s.zones.every((z) => z.length < 3)) throw new Error('no zone left to watch');
      const d = new FakeDetector(s);
      state.built.push(d);
      return d;
    },
    analysis: { replaceDetector: (next) => void (state.detector = next as FakeDetector) },
    motion: {
      setRetriggerSeconds: (s) => {
        if (!(s >= 0)) throw new Error('bad retrigger');
        state.retriggerSeconds = s;
      },
    },
    recorder: { configure: (next) => void (state.recorder = next) },
    audio: true,
    onAudioChange: (a) => void state.audioChanges.push(a),
  });
  return { apply, state };
}

const message = (changes: Partial<CameraSettingsMessage['settings']>, version = 1): CameraSettingsMessage => ({ version, updatedAt: 0, settings: { ...defaultCameraSettings(), ...changes } });

describe('settings from the hub, applied (no processes)', () => {
  it('replaces the detector, the retrigger time and the clip settings', () => {
    const { apply, state } = setup();
    const zone: [number, number][] = [
      [0, 0],
      [0.5, 0],
      [0.5, 0.5],
    ];
    apply(message({ sensitivity: 9, minObjectSize: 0.05, zones: [zone], retriggerSeconds: 3, preRollSeconds: 4, postRollSeconds: 6, clipSeconds: 20, endEarly: false }));
    assert.deepEqual(state.detector?.settings, { sensitivity: 9, minObjectSize: 0.05, zones: [zone], ignoreMasks: [] });
    assert.equal(state.retriggerSeconds, 3);
    assert.deepEqual(state.recorder, { preRollSeconds: 4, postRollSeconds: 6, clipSeconds: 20, endEarly: false });
    assert.deepEqual(state.audioChanges, [], 'sound unchanged: the capture is not restarted');
  });

  it('restarts the capture only when sound is switched', () => {
    const { apply, state } = setup();
    apply(message({ audio: false }));
    apply(message({ audio: false, sensitivity: 3 }, 2));
    apply(message({ audio: true }, 3));
    assert.deepEqual(state.audioChanges, [false, true]);
  });

  it('settings it cannot use change nothing', () => {
    const { apply, state } = setup();
    apply(message({ sensitivity: 4 }));
    const before = { ...state, built: [...state.built] };
    const line: [number, number][] = [
      [0, 0],
      [1, 1],
    ];
    assert.throws(() => apply(message({ zones: [line], retriggerSeconds: 1, clipSeconds: 5 }, 2)), /nothing|no zone/);
    assert.throws(() => apply(message({ retriggerSeconds: -1, clipSeconds: 5 }, 3)), /retrigger/);
    assert.equal(state.detector, before.detector);
    assert.equal(state.retriggerSeconds, before.retriggerSeconds);
    assert.deepEqual(state.recorder, before.recorder);
    assert.equal(state.built.at(-1)?.disposed, true, 'a detector built for refused settings is released');
    assert.equal(state.detector?.disposed, false);
  });
});
