import * as path from 'node:path';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { Capture } from './capture';
import { ClipRecorder } from './clipRecorder';
import { Delivery } from './delivery';
import { HubClient } from './hubClient';
import { ArmingFollower } from './armingFollower';
import { DeviceChannel } from './deviceChannel';
import { CameraSettingsFollower } from './cameraSettingsFollower';
import { SnapshotMaker } from './snapshotMaker';
import { LiveStreamer } from './liveStreamer';
import type { CameraSettingsMessage } from '../common/cameraSettings';
import { loadIdentity } from './identity';
import { createGpio } from '../common/gpio';
import type { MotionEvent } from '../common/protocol';
import { MotionDetector } from './motionDetector';
import { gateSettingsFor, isRetrigger, MotionGate } from './motionGate';
import { MotionFusion } from './motionFusion';
import { AnalysisStage, type StageMotion } from './analysisStage';
import { PirSensor } from './pirSensor';
import { NO_RECORDING_INDICATOR, RecordingLed } from './recordingLed';
import { Spool } from './spool';
import { loadTf } from './tfBackend';
import { parseSource, resolveSource } from './videoSource';
import type { HealthSnapshot } from './cameraHealth';

export interface AgentStats {
  motionEvents: number;
  clipsRecorded: number;
  clipsDelivered: number;
  /** Stream time covered by the current ffmpeg run (s). */
  streamSeconds: number;
}

/** One camera: capture → motion → recorder → spool → delivery to the hub. */
export class CameraAgent {
  private capture: Capture | null = null;
  private recorder: ClipRecorder | null = null;
  private delivery: Delivery | null = null;
  private hub: HubClient | null = null;
  private arming: ArmingFollower | null = null;
  private channel: DeviceChannel | null = null;
  private settings: CameraSettingsFollower | null = null;
  private pir: PirSensor | null = null;
  private led: RecordingLed | null = null;
  private analysis: AnalysisStage | null = null;
  private live: LiveStreamer | null = null;
  readonly stats: AgentStats = { motionEvents: 0, clipsRecorded: 0, clipsDelivered: 0, streamSeconds: 0 };

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, log } = this;
    const agentConfig = config.agent;
    const identity = await loadIdentity(config.dataDir);
    // A malformed source is a mistake in the config: refused at once. A camera that is off is
    // not: the capture connects (and probes) again and again, reporting its health meanwhile.
    const { kind } = parseSource(agentConfig.source);
    const { tf, backend } = await loadTf();
    log.info({ backend, source: kind, camera: identity.name }, 'TensorFlow.js backend ready');

    const spool = new Spool(path.join(config.dataDir, 'spool'), { maxBytes: agentConfig.recording.maxSpoolBytes, log: log.child({ module: 'spool' }) });
    await spool.init();
    const hub = new HubClient(identity);
    this.hub = hub;
    const delivery = new Delivery(spool, hub, log.child({ module: 'delivery' }));
    this.delivery = delivery;
    const g = agentConfig.gpio;
    const gpio = g.pir || g.recordingLed ? createGpio(g, log.child({ module: 'gpio' })) : null;
    if (gpio && g.recordingLed) {
      this.led = new RecordingLed(gpio, g.recordingLed, log.child({ module: 'led' }));
      this.led.start();
    }
    const recorder = new ClipRecorder(
      agentConfig.recording,
      spool.dir,
      identity.deviceId,
      new Uint8Array(Buffer.from(identity.footagePublicKey, 'base64')),
      log.child({ module: 'recorder' }),
      () => {
        this.stats.clipsRecorded += 1;
        delivery.kick();
      },
      this.led ?? undefined,
    );
    this.recorder = recorder;
    const v = agentConfig.video;
    const detector = new MotionDetector(tf, v.analysisWidth, v.analysisHeight, v.analysisFps, agentConfig.motion);
    const snapshots = new SnapshotMaker();
    const liveStreamer = new LiveStreamer(() => hub.liveUpload(), this.led ?? NO_RECORDING_INDICATOR, log.child({ module: 'live' }));
    this.live = liveStreamer;
    const gate = new MotionGate(gateSettingsFor(agentConfig.motion, v.analysisFps));
    const fusion = g.pir ? new MotionFusion(g.pir.mode, g.pir.confirmWindowSeconds * 1000) : null;

    const capture = new Capture(() => resolveSource(agentConfig), agentConfig, log.child({ module: 'capture' }));
    let captureRunning = false;
    this.capture = capture;
    // Retriggers are judged on what the recorder sees: video and PIR motion together.
    let lastEndAt = Number.NEGATIVE_INFINITY;
    let retriggerMs = agentConfig.motion.retriggerSeconds * 1000;
    let privacy = false;
    let pictureAllowed = true;
    let retrigger = false;
    const onMotion = (m: StageMotion) => {
      const { mediaTime } = m;
      if (m.kind === 'start') {
        this.stats.motionEvents += 1;
        retrigger = isRetrigger(lastEndAt, m.at, retriggerMs);
      } else {
        lastEndAt = m.at;
      }
      log.info({ kind: m.kind, by: m.by, mediaTime, retrigger: m.kind === 'start' ? retrigger : undefined, changed: m.changed }, 'motion');
      // Motion began somewhere between the last still frame and the first moving one: the
      // clip's pre-roll counts from the earlier of the two.
      const frameGap = m.by === 'pir' ? 0 : 1 / v.analysisFps;
      recorder.onMotion({ kind: m.kind, time: m.kind === 'start' ? Math.max(0, mediaTime - frameGap) : mediaTime });
      const event: MotionEvent = { kind: m.kind, mediaTime, at: m.at, source: m.by, ...(m.kind === 'start' ? { retrigger } : {}) };
      // In privacy mode the household is not watched at all: not even that something moved.
      if (!privacy) hub.sendEvent(event).catch((err: Error) => log.debug({ err: err.message }, 'motion event not sent'));
    };
    const analysis = new AnalysisStage(detector, gate, fusion, onMotion);
    this.analysis = analysis;
    capture.on('stream', ({ init, wallStart }) => {
      analysis.onStream(wallStart);
      snapshots.onStream(init);
      liveStreamer.onStream(init);
      recorder.onStream(init, wallStart);
    });
    capture.on('fragment', (f) => {
      this.stats.streamSeconds = f.start + f.duration;
      snapshots.onFragment(f);
      liveStreamer.onFragment(f);
      recorder.onFragment(f);
    });
    capture.on('frame', (frame) => analysis.onFrame(frame));
    capture.on('streamEnd', () => {
      analysis.onStreamEnd(this.stats.streamSeconds);
      liveStreamer.onStreamEnd();
      recorder.onStreamEnd();
    });
    if (gpio && g.pir && fusion) {
      this.pir = new PirSensor(gpio, g.pir, log.child({ module: 'pir' }));
      this.pir.on('motion', (e) => analysis.onPir(e.kind, e.at));
      this.pir.start();
    }
    this.arming = new ArmingFollower(
      path.join(config.dataDir, 'arming.json'),
      (a) => {
        privacy = a.mode === 'privacy';
        pictureAllowed = a.live;
        liveStreamer.setAllowed(a.live);
        recorder.setArmed(a.record, privacy);
      },
      log.child({ module: 'arming' }),
    );
    await this.arming.start();
    // Settings from the hub replace the config file's motion and clip settings, live.
    const applySettings = ({ settings: s }: CameraSettingsMessage) => {
      // Built first: settings that leave nothing to watch throw here and change nothing.
      const next = new MotionDetector(tf, v.analysisWidth, v.analysisHeight, v.analysisFps, { sensitivity: s.sensitivity, minObjectSize: s.minObjectSize, zones: s.zones, ignoreMasks: s.ignoreMasks });
      analysis.replaceDetector(next);
      retriggerMs = s.retriggerSeconds * 1000;
      recorder.configure({ preRollSeconds: s.preRollSeconds, postRollSeconds: s.postRollSeconds, clipSeconds: s.clipSeconds, endEarly: s.endEarly });
      // Sound is chosen in ffmpeg's arguments: a running capture restarts with the new ones.
      if (s.audio !== agentConfig.audio) {
        agentConfig.audio = s.audio;
        if (captureRunning) void capture.stop().then(() => capture.start());
      }
    };
    const settingsLog = log.child({ module: 'settings' });
    this.settings = new CameraSettingsFollower(path.join(config.dataDir, 'camera-settings.json'), applySettings, settingsLog);
    await this.settings.start();
    // One channel to the hub for everything it pushes, opened once the states kept on disk
    // are in force, so nothing it sends is overwritten by an older one.
    const channel = new DeviceChannel(hub, log.child({ module: 'channel' }));
    this.channel = channel;
    channel.on('arming', (data) => this.arming?.receive(data));
    channel.on('settings', (data) => this.settings?.receive(data));
    const snapshotLog = log.child({ module: 'snapshot' });
    channel.on('snapshot', (data) => {
      const requestId = (() => {
        try {
          return (JSON.parse(data) as { requestId?: unknown }).requestId;
        } catch {
          return undefined;
        }
      })();
      if (typeof requestId !== 'string' || !/^[0-9a-f-]{36}$/.test(requestId)) {
        snapshotLog.warn('the hub asked for a picture in a form this camera does not understand; ignored');
        return;
      }
      // The hub refuses in privacy mode too; a camera that knows it is private sends nothing.
      if (!pictureAllowed) return;
      snapshots
        .jpeg()
        .then((jpeg) => hub.sendSnapshot(requestId, jpeg))
        .catch((err: Error) => snapshotLog.warn({ err: err.message }, 'could not send the picture the hub asked for'));
    });
    channel.on('live', (data) => liveStreamer.command(data));
    // The hub keeps health in memory: it hears the state on every change and each time the channel opens.
    const healthLog = log.child({ module: 'health' });
    const sendHealth = (h: HealthSnapshot) =>
      hub.sendHealth({ state: h.state, since: h.since, failures: h.failures, detail: h.detail?.slice(0, 500) ?? null }).catch((err: Error) => healthLog.debug({ err: err.message }, 'health not sent'));
    capture.on('health', (h) => void sendHealth(h));
    channel.on('hello', () => void sendHealth(capture.healthNow()));
    channel.start();
    delivery.kick();
    capture.start();
    captureRunning = true;
  }

  /** The camera's health now; null before start. */
  health(): HealthSnapshot | null {
    return this.capture?.healthNow() ?? null;
  }

  /** For the systemd watchdog: the pipeline makes progress (true before the capture starts). */
  progressing(): boolean {
    return this.capture?.progressing() ?? true;
  }

  /** True while this camera streams live to the hub. */
  get streamingLive(): boolean {
    return this.live?.streaming ?? false;
  }

  /** Stops capture, finishes the open clip, and tries once more to deliver the spool. */
  async stop(): Promise<void> {
    await this.channel?.stop();
    await this.arming?.stop();
    await this.settings?.stop();
    this.live?.close();
    this.pir?.stop();
    await this.capture?.stop();
    await this.recorder?.stop();
    // Only once the last clip is on disk may the recording LED go dark.
    await this.led?.close();
    this.analysis?.dispose();
    await this.delivery?.stop(true);
    if (this.delivery) this.stats.clipsDelivered = this.delivery.delivered;
    this.hub?.close();
  }
}
