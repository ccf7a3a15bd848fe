import type { CameraSettingsMessage } from '../common/cameraSettings';
import type { FrameDetector } from './analysisStage';
import type { RecorderSettings } from './clipRecorder';
import type { DetectorSettings } from './motionPlan';

/*
 * Settings from the hub, applied to a running camera: they replace the config file's motion
 * and clip settings at once. A change either takes effect whole or not at all, so settings
 * the camera cannot use (a detector with nothing left to watch) leave it as it was; the
 * follower (cameraSettingsFollower.ts) then keeps the previous ones.
 */

export interface SettingsTargets {
  /** Builds a detector for these settings; throws when they leave nothing to watch. */
  makeDetector(settings: DetectorSettings): FrameDetector;
  analysis: { replaceDetector(next: FrameDetector): void };
  motion: { setRetriggerSeconds(seconds: number): void };
  recorder: { configure(next: Omit<RecorderSettings, 'armed'>): void };
  /** Whether the capture takes sound now. */
  audio: boolean;
  /** Sound is chosen in ffmpeg's arguments: the agent restarts a running capture with it. */
  onAudioChange(audio: boolean): void;
}

/** The function the settings follower applies each message with (throws, changing nothing, when it cannot). */
export function settingsApplier(targets: SettingsTargets): (message: CameraSettingsMessage) => void {
  let audio = targets.audio;
  return ({ settings: s }) => {
    // Built first: settings that leave nothing to watch throw here and change nothing.
    const next = targets.makeDetector({ sensitivity: s.sensitivity, minObjectSize: s.minObjectSize, zones: s.zones, ignoreMasks: s.ignoreMasks });
    try {
      targets.motion.setRetriggerSeconds(s.retriggerSeconds);
    } catch (err) {
      next.dispose();
      throw err;
    }
    targets.analysis.replaceDetector(next);
    targets.recorder.configure({ preRollSeconds: s.preRollSeconds, postRollSeconds: s.postRollSeconds, clipSeconds: s.clipSeconds, endEarly: s.endEarly });
    if (s.audio !== audio) {
      audio = s.audio;
      targets.onAudioChange(audio);
    }
  };
}
