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
import { loadIdentity } from './identity';
import { createGpio } from '../common/gpio';
import { MotionDetector } from './motionDetector';
import type { DetectorSettings } from './motionPlan';
import { MotionFusion } from './motionFusion';
import { CameraPipeline } from './pipeline';
import { reportHealth } from './healthReport';
import { SnapshotRequests } from './snapshotRequests';
import { settingsApplier } from './settingsApplier';
import { PirSensor } from './pirSensor';
import { NO_RECORDING_INDICATOR, RecordingLed } from './recordingLed';
import { Spool } from './spool';
import { parseSource, resolveSource } from './videoSource';
import type { HealthSnapshot } from './cameraHealth';
import { DetectionUploads } from './detectionUploads';
import type { MotionEventSink } from './motionEvents';

export interface AgentStats {
  motionEvents: number;
  clipsRecorded: number;
  clipsDelivered: number;
  /** Stream time covered by the current ffmpeg run (s). */
  streamSeconds: number;
}

/**
 * One camera: capture → pipeline (analysis, motion, recorder, snapshots, live view; see
 * pipeline.ts) → spool → delivery to the hub. This class only builds the real parts and
 * connects them to the hub's channel, arming and settings; each stage is tested on its own.
 */
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
  private pipeline: CameraPipeline | null = null;
  private live: LiveStreamer | null = null;
  private detection: DetectionUploads | null = null;
  private clipsRecorded = 0;
  private clipsDelivered = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  get stats(): AgentStats {
    return { motionEvents: this.pipeline?.motion.starts ?? 0, clipsRecorded: this.clipsRecorded, clipsDelivered: this.clipsDelivered, streamSeconds: this.pipeline?.streamSeconds ?? 0 };
  }

  async start(): Promise<void> {
    const { config, log } = this;
    const agentConfig = config.agent;
    const identity = await loadIdentity(config.dataDir);
    // A malformed source is a mistake in the config: refused at once. A camera that is off is
    // not: the capture connects (and probes) again and again, reporting its health meanwhile.
    const { kind } = parseSource(agentConfig.source);
    log.info({ source: kind, camera: identity.name }, 'camera agent starting');

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
    const footageKey = new Uint8Array(Buffer.from(identity.footagePublicKey, 'base64'));
    const onClip = () => {
      this.clipsRecorded += 1;
      delivery.kick();
    };
    const recorder = new ClipRecorder(agentConfig.recording, spool.dir, identity.deviceId, footageKey, log.child({ module: 'recorder' }), onClip, this.led ?? undefined);
    this.recorder = recorder;
    const v = agentConfig.video;
    const makeDetector = (s: DetectorSettings) => new MotionDetector(v.analysisWidth, v.analysisHeight, v.analysisFps, s);
    const snapshots = new SnapshotMaker();
    const live = new LiveStreamer(() => hub.liveUpload(), this.led ?? NO_RECORDING_INDICATOR, log.child({ module: 'live' }));
    this.live = live;
    const fusion = g.pir ? new MotionFusion(g.pir.mode, g.pir.confirmWindowSeconds * 1000) : null;
    const capture = new Capture(() => resolveSource(agentConfig), agentConfig, log.child({ module: 'capture' }));
    this.capture = capture;
    const detection = capture.detection
      ? new DetectionUploads(capture.detection, hub, agentConfig.detection.intervalSeconds * 1000, log.child({ module: 'detection' }))
      : null;
    this.detection = detection;
    // Motion events go to the hub as before; the detector's pictures follow a start the hub
    // has accepted (MotionEvents sends none in privacy mode) and stop at its end.
    const events: MotionEventSink = {
      sendEvent(event) {
        if (event.kind === 'end') detection?.motionEnded();
        const sent = hub.sendEvent(event);
        if (event.kind === 'start') detection?.motionStarted(event.at, sent);
        return sent;
      },
    };
    const pipeline = new CameraPipeline({
      feed: capture,
      detector: makeDetector(agentConfig.motion),
      fusion,
      recorder,
      viewers: [snapshots, live],
      events,
      motion: agentConfig.motion,
      analysisFps: v.analysisFps,
      log,
    });
    this.pipeline = pipeline;
    if (gpio && g.pir && fusion) {
      this.pir = new PirSensor(gpio, g.pir, log.child({ module: 'pir' }));
      this.pir.on('motion', (e) => pipeline.analysis.onPir(e.kind, e.at));
      this.pir.start();
    }
    const pictures = new SnapshotRequests(snapshots, hub, log.child({ module: 'snapshot' }));
    this.arming = new ArmingFollower(
      path.join(config.dataDir, 'arming.json'),
      (a) => {
        const privacy = a.privacy;
        pipeline.motion.setPrivacy(privacy);
        detection?.setAllowed(!privacy && a.motion);
        pictures.setAllowed(a.live);
        live.setAllowed(a.live);
        recorder.setArmed(a.record, privacy);
      },
      log.child({ module: 'arming' }),
    );
    await this.arming.start();
    let captureRunning = false;
    const apply = settingsApplier({
      makeDetector,
      analysis: pipeline.analysis,
      motion: pipeline.motion,
      recorder,
      audio: agentConfig.audio,
      onAudioChange: (audio) => {
        agentConfig.audio = audio;
        if (captureRunning) void capture.stop().then(() => capture.start());
      },
    });
    this.settings = new CameraSettingsFollower(path.join(config.dataDir, 'camera-settings.json'), apply, log.child({ module: 'settings' }));
    await this.settings.start();
    // One channel to the hub for everything it pushes, opened once the states kept on disk
    // are in force, so nothing it sends is overwritten by an older one.
    const channel = new DeviceChannel(hub, log.child({ module: 'channel' }));
    this.channel = channel;
    channel.on('arming', (data) => this.arming?.receive(data));
    channel.on('settings', (data) => this.settings?.receive(data));
    channel.on('snapshot', (data) => void pictures.receive(data));
    channel.on('live', (data) => live.command(data));
    reportHealth(capture, channel, hub, log.child({ module: 'health' }));
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
    this.detection?.close();
    await this.capture?.stop();
    await this.recorder?.stop();
    // Only once the last clip is on disk may the recording LED go dark.
    await this.led?.close();
    this.pipeline?.dispose();
    await this.delivery?.stop(true);
    if (this.delivery) this.clipsDelivered = this.delivery.delivered;
    this.hub?.close();
  }
}
