import { CameraHealthBoard } from './cameraHealthBoard';
import { reportCameraDown } from './cameraDownNotice';
import { EventEmitter } from 'node:events';
import { existsSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { Config } from '../common/config';
import { openDatabase, type DB } from '../common/database';
import type { Logger } from '../common/logger';
import { generateFootageKeyPair, readFootageKeyFile, saveFootageKeyPair, saveFootagePublicKey } from '../common/footageKeys';
import { FootageKeyring } from './footageKeyring';
import { heldClipChecker } from './heldClips';
import { UnlockSocket } from './unlockSocket';
import { writeFileAtomic } from '../common/atomicFile';
import { hubPaths, type HubPaths } from '../common/dataLayout';
import { createGpio } from '../common/gpio';
import { followChosenTarget } from '../common/cloud/targets';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import { AuditLog } from '../common/auditLog';
import { pakeReady } from '../common/pairingBinding';
import { ClipStore } from './clipStore';
import { ClipThumbnails, THUMBNAIL_WIDTH } from './clipThumbnails';
import { DetectionThumbnails } from './detectionThumbnails';
import { renderDetectionJpeg } from './detectionPictureJpeg';
import { DeviceConnections } from './deviceConnections';
import { DeviceChannels } from './deviceChannels';
import { LiveStreams } from './liveStreams';
import { AccessChanges } from './accessChanges';
import { listDevices } from './devices';
import { ArmingService } from './arming/armingService';
import { MqttBridge, type MotionNotice } from './mqttBridge';
import { objectRulesOf } from './cameraSettingsStore';
import { Alerts } from './alerts';
import { WebhookStore } from './webhookStore';
import { systemClock } from '../common/clock';
import type { ArmingDecision } from './arming/armingDecision';
import { FirstRunSetup, setupCodePath } from './firstRunSetup';
import { HubSecret } from './hubSecret';
import type { Agent as HttpsAgent } from 'node:https';
import { notifyOwners, type NoticeOutlets } from '../common/notices';
import { PushDevices } from './pushDevices';
import { loadVapidKeys } from './vapidKeys';
import { WebPush } from './webPush';
import { NoticePictures } from './noticePictures';
import { OpaqueLogins } from './opaqueLogins';
import { hasOpaqueRecords, loadOpaqueSetup } from './opaqueSetup';
import { LoginThrottle } from './loginThrottle';
import { createMailer } from '../common/mailer';
import type { HubRuntimeInfo } from './routeTable';
import { RELAY_USER, readServiceAccount, type ServiceAccount } from '../common/serviceAccount';
import { buildHubServer } from './server';
import { repairDataDirModes } from './dataDirModes';
import { openPairingFromButton, SyncButton } from './syncButton';
import { TlsManager } from './tlsManager';
import { tunnelNames } from './remoteAccess';
import { AcmeCertificates } from './acme/acmeCertificates';
import { acmePaths } from './acme/acmeStore';
import { Http01Responder } from './acme/http01Responder';
import { LocalRetention, reportLostClip } from './localRetention';
import { diskFreeBytes } from '../common/diskSpace';
import type { ObjectDetector } from '../common/detection';

const CONNECTION_SWEEP_MS = 2000;
/** How often cameras down too long are looked for (the notice limit is in minutes). */
const HEALTH_CHECK_MS = 15_000;

export interface HubRuntime {
  pid: number;
  httpsPort: number;
  httpPort: number | null;
  url: string;
  caFingerprint: string;
}

/**
 * Opens the database and makes the footage key on first use; shared by the hub and its CLI
 * commands. `repaired` lists modes it had to tighten (hub/dataDirModes.ts).
 */
export async function openHubState(dataDir: string): Promise<{ db: DB; paths: HubPaths; repaired: string[] }> {
  const paths = hubPaths(dataDir);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(paths.footageKey)) await saveFootageKeyPair(paths.footageKey, await generateFootageKeyPair());
  // The relay reads this data dir: give it the public half in its own file.
  if (!existsSync(paths.footagePublicKey)) {
    const kf = await readFootageKeyFile(paths.footageKey);
    await saveFootagePublicKey(paths.footagePublicKey, kf.wrapped ? kf.publicKey : kf.keys.publicKey);
  }
  const db = openDatabase(paths.db);
  return { db, paths, repaired: await repairDataDirModes(dataDir, paths) };
}

function listenOn(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function canFallBack(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EADDRINUSE';
}

export class Hub {
  private app: Awaited<ReturnType<typeof buildHubServer>> | null = null;
  private redirect: http.Server | null = null;
  private db: DB | null = null;
  private cloud: UploadTarget | null = null;
  private arming: ArmingService | null = null;
  private live: LiveStreams | null = null;
  private channels: DeviceChannels | null = null;
  private thumbnails: ClipThumbnails | null = null;
  /** Each event's best detection picture on its way to its clip's thumbnail (null without a detector). */
  detectionThumbnails: DetectionThumbnails | null = null;
  private mqtt: MqttBridge | null = null;
  private alerts: Alerts | null = null;
  private webPush: WebPush | null = null;
  private healthCheck: NodeJS.Timeout | null = null;
  private tls: TlsManager | null = null;
  /** The certificate from Let's Encrypt (hub.acme), null when not configured. */
  acme: AcmeCertificates | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private syncButton: SyncButton | null = null;
  private unlockSocket: UnlockSocket | null = null;
  /** The hub's own disk protection: local copies go by age, quota and free space, relay or not. */
  retention: LocalRetention | null = null;
  runtime: HubRuntime | null = null;
  /** What happened (motion, objects seen), for whoever listens: alerts, MQTT, tests. */
  readonly events = new EventEmitter();

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    /** The clock every policy reads (sessions, lockouts, TOTP); tests pass a fake one. */
    private readonly now: () => number = Date.now,
    /** Free bytes on the clips' disk; tests pass a small pretend disk. */
    private readonly freeBytes: (dir: string) => Promise<number> = diskFreeBytes,
    /** The COCO object detector the cameras' pictures go to (the hub closes it when it stops); none: object detection is off. */
    private detector: ObjectDetector | null = null,
    /** The HTTPS agent Web Push requests go through; tests pass one trusting their own push service. */
    private readonly pushAgent: HttpsAgent | null = null,
    /** The cloud relay's own system account, if there is one; tests pass a made-up one. */
    private readonly relayAccount: () => ServiceAccount | null = () => readServiceAccount('/', RELAY_USER),
  ) {}

  async start(): Promise<HubRuntime> {
    const { config, log } = this;
    // Pairing windows (the web page, the sync button) need OPAQUE loaded; it takes milliseconds.
    await pakeReady();
    const { db, paths, repaired } = await openHubState(config.dataDir);
    this.db = db;
    if (repaired.length > 0) log.warn({ repaired }, 'the data directory was readable by other users: its modes are the hub user\'s alone again');
    // Wrapped with a passphrase: the hub starts LOCKED, knowing the public half only (footageKeyring.ts).
    const keys = await FootageKeyring.load(paths.footageKey);
    if (keys.locked) log.warn('the footage key is wrapped with a passphrase and locked: clips are stored, and play once an owner unlocks it on the System page');
    const acmeConfig = config.hub.acme?.enabled ? config.hub.acme : undefined;
    const acmeFiles = acmeConfig ? { certFile: acmePaths(paths.acme).certFile, keyFile: acmePaths(paths.acme).keyFile, source: 'acme' as const } : undefined;
    // The tunnel's names are in the certificate from the first start, so that setting up remote
    // access later needs no new CA on the phones (remoteAccess.ts tunnelSubnet).
    const tls = new TlsManager(paths.tls, config.hub.tls ?? acmeFiles, log.child({ module: 'tls' }), () => [...config.hub.householdCa.extraNames, ...tunnelNames(db)]);
    await tls.init();
    this.tls = tls;
    const clips = new ClipStore(db, paths.clips, paths.tmp, keys, config.hub.maxClipBytes, this.openCloud(db), config.hub.detection);
    await clips.init();
    const events = this.events;
    // Without a detector no picture arrives, so every clip keeps a frame of its own.
    const detectionThumbnails = this.detector
      ? new DetectionThumbnails({
          footagePublicKey: keys.publicKey,
          rules: (id) => objectRulesOf(db, id, config.hub.detection),
          render: (frame, objects) => renderDetectionJpeg(frame, objects, { ffmpegPath: process.env.FFMPEG_PATH ?? 'ffmpeg', width: THUMBNAIL_WIDTH }),
          log: log.child({ module: 'detection-thumbnails' }),
          onReady: (picture) => void this.thumbnails?.adoptFor(clips.localHolding(picture.deviceId, picture.eventAt)),
        })
      : null;
    this.detectionThumbnails = detectionThumbnails;
    if (detectionThumbnails) events.on('motion', (notice: MotionNotice) => detectionThumbnails.motion(notice));
    const thumbnails = new ClipThumbnails(clips, paths.thumbs, keys, log.child({ module: 'thumbnails' }), { now: this.now, detected: detectionThumbnails });
    await thumbnails.init();
    thumbnails.start();
    this.thumbnails = thumbnails;
    const ports: HubRuntimeInfo = { httpsPort: 0, httpPort: null, url: '' };
    const connections = new DeviceConnections();
    // Revocations made with the CLI change only the database: notice them within seconds.
    this.sweeper = setInterval(() => {
      const cut = connections.sweep(db);
      if (cut) log.info({ connections: cut }, 'closed connections of revoked or rotated device tokens');
    }, CONNECTION_SWEEP_MS);
    this.sweeper.unref();
    const audit = new AuditLog(db, paths.auditHead);
    const checkHeld = heldClipChecker({ clips, thumbnails, audit, log: log.child({ module: 'held-clips' }), now: this.now });
    const checkHeldNow = () => void checkHeld().catch((err: Error) => log.warn({ err: err.message }, 'checking the clips stored while locked failed; it runs again at the next start'));
    keys.onUnlocked = checkHeldNow;
    clips.onHeldWhileUnlocked = checkHeldNow;
    if (!keys.locked) checkHeldNow();
    this.unlockSocket = new UnlockSocket(paths.unlockSocket, keys, audit, log.child({ module: 'unlock' }), this.now);
    await this.unlockSocket.start();
    clips.onDropped = (clip) => {
      const device = db.prepare('SELECT name FROM devices WHERE id = ?').get(clip.deviceId) as { name: string } | undefined;
      audit.append({ actor: 'system', action: 'clip.not_kept', target: `clip:${clip.clipId}`, detail: { device: clip.deviceId, startedAt: clip.startedAt, endedAt: clip.endedAt, events: clip.events.length, reason: 'no object counted' } }, this.now());
      log.info({ clipId: clip.clipId, device: device?.name, events: clip.events.length }, 'motion clip not kept: the detector counted no object in it and this camera records motion with an object only (acknowledged, audited)');
    };
    const channels = new DeviceChannels();
    this.channels = channels;
    const arming = new ArmingService(db, audit, log.child({ module: 'arming' }), this.now);
    arming.on('change', (decision: ArmingDecision, previous: ArmingDecision | null) => {
      for (const deviceId of channels.connected()) {
        if (arming.changesFor(deviceId, decision, previous)) channels.push(deviceId, 'arming', arming.messageFor(deviceId, decision));
      }
    });
    this.arming = arming;
    // Real time, not the policy clock: stream liveness is about seconds actually passing.
    const accessChanges = new AccessChanges();
    const live = new LiveStreams(channels, arming, accessChanges, log.child({ module: 'live' }));
    this.live = live;
    const firstRun = new FirstRunSetup(db, config.dataDir);
    const setupWaiting = (await firstRun.prepare()) === 'waiting';
    const hubSecret = await HubSecret.load(paths.hubSecret);
    const webPush = new WebPush({ devices: new PushDevices(db), keys: await loadVapidKeys(paths.vapidKeys), log: log.child({ module: 'push' }), now: this.now, ...(this.pushAgent ? { agent: this.pushAgent } : {}) });
    this.webPush = webPush;
    const mail = await createMailer(config.hub.smtp, log.child({ module: 'mail' }));
    // Every notice that is mailed is pushed too, from the same decision point (common/notices.ts).
    const mailer: NoticeOutlets = { configured: mail.configured, send: (m) => mail.send(m), push: webPush };
    const clock = { now: this.now, sleep: systemClock.sleep };
    const http01 = new Http01Responder();
    if (acmeConfig) {
      const acmeLog = log.child({ module: 'acme' });
      this.acme = new AcmeCertificates({
        config: acmeConfig,
        dir: paths.acme,
        http01,
        reload: () => tls.reload(),
        notifyOwners: (notice) => notifyOwners(db, mailer, acmeLog, notice, this.now()),
        log: acmeLog,
        clock,
      });
      await this.acme.init();
    }
    this.alerts = new Alerts(db, arming, events, new WebhookStore(db, hubSecret), mailer, log.child({ module: 'alerts' }), clock, config.hub.notifyCooldownSeconds * 1000, {
      hubDefault: config.hub.detection,
      detectorPresent: this.detector !== null,
      modelLoading: () => this.detector?.loading === true,
    }, {
      pictures: new NoticePictures({ db, keyring: keys, detected: detectionThumbnails, ffmpegPath: process.env.FFMPEG_PATH ?? 'ffmpeg', log: log.child({ module: 'notice-pictures' }) }),
      hubUrl: () => ports.url,
    });
    this.alerts.start();
    this.retention = new LocalRetention({
      db,
      clipsDir: paths.clips,
      thumbsDir: paths.thumbs,
      policy: config.relay.retention,
      log: log.child({ module: 'retention' }),
      now: this.now,
      freeBytes: () => this.freeBytes(paths.clips),
      onLost: reportLostClip({ db, audit, mailer, log: log.child({ module: 'retention' }), now: this.now }),
    });
    this.retention.start();
    const health = new CameraHealthBoard(config.hub.cameraDownNoticeMinutes * 60_000, this.now, reportCameraDown({ db, audit, mailer, log: log.child({ module: 'health' }), now: this.now }));
    channels.on('offline', (deviceId: string) => health.offline(deviceId));
    this.healthCheck = setInterval(() => health.check(), HEALTH_CHECK_MS);
    this.healthCheck.unref();
    const app = await buildHubServer({
      db,
      log,
      config: config.hub,
      tls,
      clips,
      thumbnails,
      footagePublicKey: keys.publicKey,
      secret: hubSecret,
      opaque: new OpaqueLogins(await loadOpaqueSetup(paths.opaqueSetup, () => hasOpaqueRecords(db))),
      audit,
      mailer,
      push: webPush,
      throttle: new LoginThrottle(db),
      connections,
      channels,
      health,
      arming,
      live,
      accessChanges,
      events,
      detector: this.detector,
      detectionThumbnails,
      runtime: () => ({ ...ports }),
      now: this.now,
      firstRun,
      wholeConfig: config,
      relayAccount: this.relayAccount,
    });
    this.app = app;
    await app.ready();
    arming.start();
    live.start();
    if (config.hub.mqtt) {
      const cameras = () => listDevices(db).filter((d) => !d.revoked);
      const objectRules = (id: string) => objectRulesOf(db, id, config.hub.detection);
      this.mqtt = new MqttBridge(config.hub.mqtt, arming, channels, events, cameras, audit, log.child({ module: 'mqtt' }), this.now, health, objectRules);
      await this.mqtt.start();
    }
    tls.attach(app.server);
    tls.start();

    const httpsPort = await this.listenWithFallback(app.server, config.hub.httpsPort, 443, 9443);
    const shownHost = config.hub.host === '0.0.0.0' || config.hub.host === '::' ? 'localhost' : config.hub.host;
    ports.httpsPort = httpsPort;
    ports.url = `https://${shownHost}:${httpsPort}/`;
    let httpPort: number | null = null;
    if (config.hub.redirectHttp) {
      this.redirect = http.createServer((req, res) => {
        if (http01.handle(req, res)) return;
        const host = (req.headers.host ?? 'localhost').replace(/:\d+$/, '');
        const portPart = httpsPort === 443 ? '' : `:${httpsPort}`;
        res.writeHead(301, { location: `https://${host}${portPart}${req.url ?? '/'}` }).end();
      });
      httpPort = await this.listenWithFallback(this.redirect, config.hub.httpPort, 80, 8080);
      ports.httpPort = httpPort;
      if (acmeConfig?.challenge === 'http-01' && httpPort !== 80) {
        log.warn({ httpPort }, `the ACME server checks http-01 on port 80: forward the router's port 80 to port ${httpPort} of the hub`);
      }
    }
    this.acme?.start();
    const button = config.hub.gpio.syncButton;
    if (button) {
      const buttonLog = log.child({ module: 'sync-button' });
      const windowMs = config.hub.pairingWindowSeconds * 1000;
      this.syncButton = new SyncButton(
        createGpio(config.hub.gpio, buttonLog),
        button,
        () => openPairingFromButton({ db, audit, log: buttonLog, windowMs, now: this.now }),
        buttonLog,
      );
      this.syncButton.start();
    }
    this.runtime = { pid: process.pid, ...ports, caFingerprint: tls.local.caFingerprint };
    await fs.mkdir(path.dirname(paths.runtime), { recursive: true });
    await writeFileAtomic(paths.runtime, JSON.stringify(this.runtime), 0o644);
    log.info({ httpsPort, httpPort, url: this.runtime.url }, 'hub listening');
    // With cameras paired, the model loads now rather than on the first picture, so the first
    // event after a restart is labelled as fast as the next (the load takes a second or two).
    const detector = this.detector;
    if (detector?.load && db.prepare('SELECT 1 FROM devices WHERE revoked_at IS NULL LIMIT 1').get()) {
      void detector.load().catch((err: Error) => log.warn({ err: err.message }, 'the object detector did not load; it is tried again on the first picture'));
    }
    if (setupWaiting) {
      // Where the code is, never the code: logs are read by more people than the Pi's owner.
      log.info({ url: this.runtime.url }, `first-run setup is waiting: open the hub's page and enter the setup code that "porchlight setup code" prints (it is in ${setupCodePath(config.dataDir)})`);
    }
    return this.runtime;
  }

  private async listenWithFallback(server: http.Server, port: number, preferred: number, fallback: number): Promise<number> {
    try {
      return await listenOn(server, port, this.config.hub.host);
    } catch (err) {
      if (port !== preferred || !canFallBack(err)) throw err;
      this.log.warn({ port, fallback, reason: (err as NodeJS.ErrnoException).code }, 'port unavailable, using fallback');
      return listenOn(server, fallback, this.config.hub.host);
    }
  }

  /** The relay's target, read-only here: clips whose local copy retention removed play from it. */
  private openCloud(db: DB): UploadTarget | null {
    try {
      // Follows the owner's choice from the web UI, like the relay does.
      this.cloud = followChosenTarget(this.config, db, this.config.dataDir);
      return this.cloud;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'the cloud target cannot be opened: clips kept only in the cloud will not play');
      return null;
    }
  }

  async stop(): Promise<void> {
    if (this.healthCheck) clearInterval(this.healthCheck);
    this.healthCheck = null;
    await this.retention?.stop();
    this.retention = null;
    this.alerts?.stop();
    this.webPush?.stop();
    await this.mqtt?.stop();
    this.arming?.stop();
    this.live?.stop();
    this.live = null;
    this.channels?.closeAll();
    this.channels = null;
    this.thumbnails?.stop();
    this.detectionThumbnails?.stop();
    this.detectionThumbnails = null;
    this.cloud?.close();
    this.syncButton?.stop();
    this.syncButton = null;
    await this.unlockSocket?.stop();
    this.unlockSocket = null;
    await this.acme?.stop();
    this.acme = null;
    this.tls?.stop();
    this.tls = null;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    // A stale run/hub.json would point tools at a port nobody listens on.
    if (this.runtime) await fs.rm(hubPaths(this.config.dataDir).runtime, { force: true });
    this.runtime = null;
    await new Promise<void>((resolve) => (this.redirect ? this.redirect.close(() => resolve()) : resolve()));
    if (this.app) await this.app.close();
    // After the server: its close waits for handlers still running (test/hub/hubStop.test.ts).
    await this.detector?.close();
    this.detector = null;
    this.db?.close();
    this.app = null;
    this.redirect = null;
    this.db = null;
  }
}
