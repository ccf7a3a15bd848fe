import * as path from 'node:path';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import { Capture } from './capture';
import { ClipRecorder } from './clipRecorder';
import { Delivery } from './delivery';
import { HubClient } from './hubClient';
import { loadIdentity } from './identity';
import { MotionDetector } from './motionDetector';
import { MotionGate } from './motionGate';
import { Spool } from './spool';
import { loadTf } from './tfBackend';
import { resolveSource } from './videoSource';

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
  readonly stats: AgentStats = { motionEvents: 0, clipsRecorded: 0, clipsDelivered: 0, streamSeconds: 0 };

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const { config, log } = this;
    const agentConfig = config.agent;
    const identity = await loadIdentity(config.dataDir);
    const source = await resolveSource(agentConfig);
    const { tf, backend } = await loadTf();
    log.info({ backend, source: source.description, camera: identity.name }, 'TensorFlow.js backend ready');

    const spool = new Spool(path.join(config.dataDir, 'spool'));
    await spool.init();
    const hub = new HubClient(identity);
    this.hub = hub;
    const delivery = new Delivery(spool, hub, log.child({ module: 'delivery' }));
    this.delivery = delivery;
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
    );
    this.recorder = recorder;
    const v = agentConfig.video;
    const detector = new MotionDetector(tf, v.analysisWidth, v.analysisHeight, agentConfig.motion);
    const gate = new MotionGate(agentConfig.motion);

    const capture = new Capture(source, agentConfig, log.child({ module: 'capture' }));
    this.capture = capture;
    let wallStart = Date.now();
    capture.on('stream', ({ init, wallStart: ws }) => {
      wallStart = ws;
      detector.reset();
      recorder.onStream(init, ws);
    });
    capture.on('fragment', (f) => {
      this.stats.streamSeconds = f.start + f.duration;
      recorder.onFragment(f);
    });
    capture.on('frame', (frame) => {
      const verdict = detector.process(frame.data);
      const event = gate.push(frame.time, verdict.motion);
      if (!event) return;
      if (event.kind === 'start') this.stats.motionEvents += 1;
      log.info({ kind: event.kind, mediaTime: event.time, changed: +verdict.changedRatio.toFixed(4) }, 'motion');
      recorder.onMotion(event);
      hub.sendEvent({ kind: event.kind, mediaTime: event.time, at: Math.round(wallStart + event.time * 1000) }).catch((err: Error) => {
        log.debug({ err: err.message }, 'motion event not sent');
      });
    });
    capture.on('streamEnd', () => {
      const end = gate.close(0);
      if (end) recorder.onMotion(end);
      recorder.onStreamEnd();
    });
    delivery.kick();
    capture.start();
  }

  /** Stops capture, finishes the open clip, and tries once more to deliver the spool. */
  async stop(): Promise<void> {
    await this.capture?.stop();
    await this.recorder?.stop();
    await this.delivery?.stop(true);
    if (this.delivery) this.stats.clipsDelivered = this.delivery.delivered;
    this.hub?.close();
  }
}
