import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';
import { OBJECT_LABELS, type ObjectLabel } from './detection';
import { parseExtraName } from './householdNames';

/*
 * One configuration file (YAML) for every process; each reads its own section.
 * Every setting has a default, bounds and a description; unknown keys are refused so a
 * typo does not silently fall back to a default. Errors name the setting's path.
 */

const Strict = { additionalProperties: false } as const;

const LogSchema = Type.Object(
  {
    level: Type.Union(
      [Type.Literal('trace'), Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')],
      { default: 'info', description: 'Minimum level written to the log' },
    ),
  },
  { ...Strict, default: {} },
);

const SmtpSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Mail server (SMTP) host name or address' }),
    port: Type.Integer({
      default: 587,
      minimum: 1,
      maximum: 65535,
      description: 'Mail server port: usually 587 for starttls, 465 for tls, 25 for a LAN relay',
    }),
    security: Type.Union([Type.Literal('starttls'), Type.Literal('tls'), Type.Literal('none')], {
      default: 'starttls',
      description: 'starttls: upgrade the connection and refuse servers that cannot; tls: TLS from the first byte; none: no encryption (trusted LAN relays only)',
    }),
    username: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'User name for signing in to the mail server' })),
    passwordFile: Type.Optional(
      Type.String({ minLength: 1, description: 'File holding the mail server password (read at start, surrounding whitespace trimmed; mode 0600)' }),
    ),
    from: Type.String({
      minLength: 3,
      maxLength: 320,
      pattern: '^[^\\s@<>]+@[^\\s@<>]+$|^[^<>\\r\\n]*<[^\\s@<>]+@[^\\s@<>]+>$',
      description: 'Sender of the hub mail: an address, optionally as "Name <address>"',
    }),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM certificate(s) to trust for a LAN mail server with its own CA' })),
  },
  Strict,
);

const UserTlsSchema = Type.Object(
  {
    certFile: Type.String({ minLength: 1, description: 'PEM certificate chain browsers get instead of the hub-made one (e.g. Let\'s Encrypt fullchain.pem); re-read when it changes' }),
    keyFile: Type.String({ minLength: 1, description: 'PEM private key of certFile' }),
  },
  Strict,
);

const HouseholdCaSchema = Type.Object(
  {
    extraNames: Type.Array(Type.String({ minLength: 1, maxLength: 253 }), {
      default: [],
      maxItems: 32,
      description:
        "Names beyond the hub's host name, host.local, localhost and LAN addresses that phones may use for it: a DNS name (porch.example.net), an address (10.44.0.1, e.g. inside a VPN tunnel) or a subnet (10.44.0.0/24, permitted to the CA without being named in the certificate). A name the present household CA does not cover makes the hub make a new one, which phones must install again (see docs/phone.md)",
    }),
  },
  { ...Strict, default: {} },
);

/** Let's Encrypt's production directory: the default ACME server. */
export const LETS_ENCRYPT_DIRECTORY = 'https://acme-v02.api.letsencrypt.org/directory';
/** Let's Encrypt's staging directory: untrusted certificates, generous rate limits, for a first try. */
export const LETS_ENCRYPT_STAGING_DIRECTORY = 'https://acme-staging-v02.api.letsencrypt.org/directory';

const AcmeSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'false: keep these settings but get no certificate; browsers get the hub-made one' }),
    domains: Type.Array(
      Type.String({
        maxLength: 253,
        // A DNS name (letters, digits, hyphens; a letter-led last label); *.name only for dns-01.
        pattern: '^(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$',
        description: 'A DNS name of the hub, e.g. cameras.example.org',
      }),
      { minItems: 1, maxItems: 20, uniqueItems: true, description: 'Names the certificate is for; the first is its subject. Each must be in a DNS zone you control' },
    ),
    email: Type.Optional(
      Type.String({ maxLength: 254, pattern: '^[^\\s@<>]+@[^\\s@<>]+\\.[^\\s@<>]+$', description: 'Address the ACME server may write to about the account (Let\'s Encrypt no longer sends expiry mail)' }),
    ),
    directoryUrl: Type.String({
      default: LETS_ENCRYPT_DIRECTORY,
      pattern: '^https://',
      description: `ACME directory URL: Let's Encrypt production by default; ${LETS_ENCRYPT_STAGING_DIRECTORY} to try the setup first`,
    }),
    challenge: Type.Union([Type.Literal('http-01'), Type.Literal('dns-01')], {
      default: 'http-01',
      description: 'http-01: the ACME server fetches a token from the hub on port 80 (the hub must be reachable from the internet there); dns-01: a TXT record is set through dnsHook (the hub may stay private)',
    }),
    dnsHook: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'dns-01: executable run as <hook> set <record name> <TXT value> and <hook> clear <record name> <TXT value>; "set" returns once the record is published (exit 0), non-zero fails the attempt',
      }),
    ),
    dnsHookTimeoutSeconds: Type.Integer({ default: 300, minimum: 5, maximum: 3600, description: 'dns-01: a hook still running after this long is stopped and the attempt fails' }),
    caFile: Type.Optional(
      Type.String({ minLength: 1, description: 'PEM CA to trust for the ACME directory\'s own HTTPS: only for a private ACME server or tests (Pebble); never needed for Let\'s Encrypt' }),
    ),
  },
  Strict,
);

/* GPIO (Raspberry Pi header pins through onoff; simulated pins elsewhere). */

const gpioLine = (what: string) =>
  Type.Integer({
    minimum: 0,
    maximum: 1023,
    description: `${what}: BCM GPIO number as on pinout diagrams (GPIO17 = 17, not header pin 11); the sysfs offset of newer kernels is added automatically`,
  });

const gpioSimulate = Type.Optional(
  Type.Boolean({
    description: 'true: always simulated pins; false: real GPIO required (start-up fails without it); unset: real GPIO when the machine has it, else simulated with a warning',
  }),
);

const gpioSimulatedDir = Type.Optional(
  Type.String({
    minLength: 1,
    description:
      'Simulated pins only: keep each line\'s level in a file here (<dir>/gpio17 holding 0 or 1) so another process, e.g. "porchlight sim gpio", can drive inputs and read outputs; unset: in memory',
  }),
);

const SyncButtonSchema = Type.Object(
  {
    line: gpioLine('Sync button input'),
    activeLow: Type.Boolean({ default: true, description: 'Button wired between the pin and ground (the usual way, with the pull-up on): pressed reads 0 V' }),
    debounceMs: Type.Integer({
      default: 50,
      minimum: 10,
      maximum: 2000,
      description: 'A press counts once the button has been held this long without bouncing; shorter blips are ignored',
    }),
  },
  Strict,
);

const HubGpioSchema = Type.Object(
  {
    simulate: gpioSimulate,
    simulatedDir: gpioSimulatedDir,
    syncButton: Type.Optional(SyncButtonSchema),
  },
  { ...Strict, default: {} },
);

const PirSchema = Type.Object(
  {
    line: gpioLine('PIR sensor output'),
    activeLow: Type.Boolean({ default: false, description: 'true when the sensor pulls the line low on motion (most PIR modules drive it high)' }),
    debounceMs: Type.Integer({ default: 50, minimum: 0, maximum: 2000, description: 'Sensor pulses shorter than this are ignored' }),
    mode: Type.Union([Type.Literal('trigger'), Type.Literal('confirm')], {
      default: 'trigger',
      description: 'trigger: the PIR alone starts motion (as does video motion); confirm: video motion only counts when the PIR saw motion within confirmWindowSeconds',
    }),
    confirmWindowSeconds: Type.Number({
      default: 5,
      minimum: 0.5,
      maximum: 60,
      description: 'confirm mode: how far apart PIR and video motion may start and still count as one event',
    }),
  },
  Strict,
);

const RecordingLedSchema = Type.Object(
  {
    line: gpioLine('Recording LED output'),
    activeLow: Type.Boolean({ default: false, description: 'LED wired between 3V3 and the pin: driven to 0 V to light it' }),
  },
  Strict,
);

const AgentGpioSchema = Type.Object(
  {
    simulate: gpioSimulate,
    simulatedDir: gpioSimulatedDir,
    pir: Type.Optional(PirSchema),
    recordingLed: Type.Optional(RecordingLedSchema),
  },
  { ...Strict, default: {} },
);

const ObjectLabelSchema = Type.Union(OBJECT_LABELS.map((label) => Type.Literal(label)));
const labelList = (fallback: ObjectLabel[], description: string) => Type.Array(ObjectLabelSchema, { default: fallback, uniqueItems: true, maxItems: OBJECT_LABELS.length, description });
// The person default is measured (docs/detection.md, "Settings": the best F1 on the labelled
// sample's tuning split); vehicles and animals are too few in that sample to measure, so they keep
// Frigate's 0.5.
const minScore = (what: string, fallback: number) =>
  Type.Number({ default: fallback, minimum: 0.3, maximum: 0.95, description: `A ${what} counts only with at least this score (0..1)` });

/**
 * What the hub's object detector looks for and what alerts, for every camera whose settings
 * were never saved on the Cameras page (a saved camera carries its own copy). Detection runs
 * on the hub, so these live in the hub's section, not the camera's.
 */
const DetectionSchema = Type.Object(
  {
    classes: labelList([...OBJECT_LABELS], 'Which objects to detect (person, vehicle, animal); none: every motion alerts, as pixel motion alone'),
    minScore: Type.Object({ person: minScore('person', 0.37), vehicle: minScore('vehicle', 0.5), animal: minScore('animal', 0.5) }, { ...Strict, default: {} }),
    alertOn: labelList(['person', 'vehicle'], 'Objects that send an alert; each must also be in classes'),
    recordWithoutObject: Type.Boolean({ default: true, description: 'Keep the clip of motion in which no counted object was seen (it never alerts)' }),
  },
  { ...Strict, default: {} },
);

const HubSchema = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', minLength: 1, description: 'Address the HTTPS and HTTP servers bind' }),
    httpsPort: Type.Integer({
      default: 443,
      minimum: 0,
      maximum: 65535,
      description: 'HTTPS port; 443 falls back to 9443 when it cannot be bound; 0 picks a free port',
    }),
    httpPort: Type.Integer({
      default: 80,
      minimum: 0,
      maximum: 65535,
      description: 'Plain-HTTP port that only redirects to HTTPS; 80 falls back to 8080; 0 picks a free port',
    }),
    redirectHttp: Type.Boolean({ default: true, description: 'Run the plain-HTTP redirect server' }),
    maxClipBytes: Type.Integer({
      default: 256 * 1024 * 1024,
      minimum: 1024,
      maximum: 4 * 1024 * 1024 * 1024,
      description: 'Largest clip upload accepted from a device',
    }),
    pairingWindowSeconds: Type.Integer({ default: 300, minimum: 30, maximum: 3600, description: 'How long a pairing code stays valid' }),
    sessionIdleMinutes: Type.Integer({ default: 60 * 24, minimum: 5, maximum: 60 * 24 * 30, description: 'Sign out after this much inactivity' }),
    notifyCooldownSeconds: Type.Integer({ default: 300, minimum: 0, maximum: 86400, description: 'At most one motion notice per camera per user this often (0: every event)' }),
    cameraDownNoticeMinutes: Type.Number({
      default: 5,
      minimum: 1,
      maximum: 1440,
      description: 'Tell the owners when a camera has sent no video for this long, and again when it recovers',
    }),
    smtp: Type.Optional(SmtpSchema),
    mqtt: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^mqtts?://', description: 'Broker URL, mqtt://host:1883 or mqtts://host:8883' }),
          username: Type.Optional(Type.String({ minLength: 1 })),
          passwordFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the broker password (mode 0600)' })),
          caFile: Type.Optional(Type.String({ minLength: 1, description: "PEM CA of an mqtts broker with its own certificate" })),
          discoveryPrefix: Type.String({ default: 'homeassistant', minLength: 1, description: "Home Assistant's MQTT discovery prefix" }),
          baseTopic: Type.String({ default: 'porchlight', pattern: '^[A-Za-z0-9_/-]+$', description: 'Topic prefix for state and commands' }),
          codeFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the code Home Assistant must send to arm or disarm' })),
        },
        Strict,
      ),
    ),
    tls: Type.Optional(UserTlsSchema),
    householdCa: HouseholdCaSchema,
    acme: Type.Optional(AcmeSchema),
    gpio: HubGpioSchema,
    detection: DetectionSchema,
  },
  { ...Strict, default: {} },
);

const PointSchema = Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]);
const PolygonSchema = Type.Array(PointSchema, {
  minItems: 3,
  maxItems: 64,
  description: 'Corners as [x, y] fractions of the frame, 0,0 top left',
});

/** A polygon in frame fractions: [[x, y], …], 0,0 top left. */
export type Polygon = Static<typeof PolygonSchema>;

const MotionSchema = Type.Object(
  {
    sensitivity: Type.Integer({ default: 5, minimum: 1, maximum: 10, description: '1 = only large, clear motion … 10 = the faintest change' }),
    minObjectSize: Type.Number({
      default: 0.002,
      minimum: 0.0002,
      maximum: 0.25,
      description: 'Smallest moving object that counts, as a fraction of the frame',
    }),
    zones: Type.Array(PolygonSchema, { default: [], maxItems: 16, description: 'Motion counts only inside these polygons (none = the whole frame)' }),
    ignoreMasks: Type.Array(PolygonSchema, { default: [], maxItems: 16, description: 'Motion inside these polygons never counts' }),
    minDurationSeconds: Type.Number({ default: 0.4, minimum: 0, maximum: 5, description: 'Motion must last this long to count' }),
    endAfterSeconds: Type.Number({ default: 2, minimum: 0.2, maximum: 30, description: 'Motion ends after this long without movement' }),
    retriggerSeconds: Type.Number({
      default: 30,
      minimum: 10,
      maximum: 60,
      description: 'Motion starting sooner than this after the last event is part of the same alert (still recorded)',
    }),
  },
  { ...Strict, default: {} },
);

const RecordingSchema = Type.Object(
  {
    armed: Type.Boolean({ default: true, description: 'Record clips on motion' }),
    preRollSeconds: Type.Number({ default: 3, minimum: 0, maximum: 10, description: 'Video kept from before motion starts' }),
    postRollSeconds: Type.Number({ default: 3, minimum: 0, maximum: 30, description: 'Video kept after motion ends' }),
    clipSeconds: Type.Number({ default: 30, minimum: 5, maximum: 60, description: 'Clip length; longer motion continues in a new clip' }),
    endEarly: Type.Boolean({ default: true, description: 'End the clip when motion stops (after the post-roll) instead of at the full length' }),
    maxSpoolBytes: Type.Integer({
      default: 2 * 1024 * 1024 * 1024,
      minimum: 1024 * 1024,
      description: 'Disk the agent may use for clips waiting for the hub',
    }),
  },
  { ...Strict, default: {} },
);

const VideoSchema = Type.Object(
  {
    width: Type.Integer({ default: 1280, minimum: 160, maximum: 3840, multipleOf: 2, description: 'Recorded width' }),
    height: Type.Integer({ default: 720, minimum: 120, maximum: 2160, multipleOf: 2, description: 'Recorded height' }),
    fps: Type.Integer({ default: 15, minimum: 1, maximum: 60, description: 'Recorded frame rate' }),
    keyframeSeconds: Type.Number({ default: 1, minimum: 0.5, maximum: 4, description: 'Keyframe interval = fragment length' }),
    analysisWidth: Type.Integer({ default: 320, minimum: 64, maximum: 1280, multipleOf: 2, description: 'Motion analysis frame width' }),
    analysisHeight: Type.Integer({ default: 180, minimum: 36, maximum: 720, multipleOf: 2, description: 'Motion analysis frame height' }),
    analysisFps: Type.Integer({ default: 5, minimum: 1, maximum: 30, description: 'Motion analysis frames per second' }),
  },
  { ...Strict, default: {} },
);

const DetectionPicturesSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Send the hub pictures while motion lasts, for its object detector (person, vehicle, animal); the hub answers "object detection is off" when it runs none',
    }),
    fps: Type.Integer({ default: 2, minimum: 1, maximum: 5, description: 'Detection pictures decoded per second (the newest is kept; only sent while motion lasts)' }),
    width: Type.Integer({
      default: 640,
      minimum: 160,
      maximum: 1280,
      multipleOf: 2,
      description: 'Detection pictures fit within this width and 9/16 of it, keeping the camera\'s aspect (never enlarged)',
    }),
    intervalSeconds: Type.Number({ default: 1, minimum: 0.5, maximum: 10, description: 'While motion lasts, one picture goes to the hub this often (the first at motion start)' }),
  },
  { ...Strict, default: {} },
);

const HealthSchema = Type.Object(
  {
    stallSeconds: Type.Number({
      default: 10,
      minimum: 1,
      maximum: 300,
      description: 'No video for this long and the agent restarts ffmpeg and reconnects to the camera',
    }),
    connectSeconds: Type.Number({
      default: 30,
      minimum: 2,
      maximum: 600,
      description: 'Longest a connect (probe, ffmpeg start, first video) may take before it counts as failed',
    }),
  },
  { ...Strict, default: {} },
);

const RtspSchema = Type.Object(
  {
    transport: Type.Union([Type.Literal('tcp'), Type.Literal('udp')], {
      default: 'tcp',
      description: 'tcp: RTP inside the RTSP connection (no lost packets, passes firewalls); udp: separate RTP packets (lower delay on a clean LAN)',
    }),
    credentialsFile: Type.Optional(
      Type.String({ minLength: 1, description: 'File with the camera\'s user name and password: one line user:password, or YAML with username and password (mode 0600)' }),
    ),
    subStream: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'The camera\'s low-resolution second stream, analysed for motion while the main stream (agent.source) is recorded: an rtsp:// URL, or a path such as /Streaming/Channels/102 on the main stream\'s host',
      }),
    ),
    timeoutSeconds: Type.Number({ default: 10, minimum: 1, maximum: 120, description: 'A camera that sends nothing for this long counts as unreachable' }),
  },
  { ...Strict, default: {} },
);

const RpicamSchema = Type.Object(
  {
    command: Type.String({ default: 'rpicam-vid', minLength: 1, description: 'The rpicam-vid program (Raspberry Pi OS Bookworm; libcamera-vid on older releases)' }),
  },
  { ...Strict, default: {} },
);

/** Where Debian's opencv-doc package installs its sample footage (vtest.avi). */
export const OPENCV_SAMPLES_DIR = '/usr/share/doc/opencv-doc/examples/data';

const SimSchema = Type.Object(
  {
    footageDir: Type.String({
      default: OPENCV_SAMPLES_DIR,
      minLength: 1,
      description: "Folder holding the video files of the simulator's real-footage scenes (sim:campus-walkway plays vtest.avi from here); the default is where opencv-doc installs it",
    }),
  },
  { ...Strict, default: {} },
);

const AgentSchema = Type.Object(
  {
    name: Type.String({ default: 'camera', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', description: 'Camera name' }),
    source: Type.String({
      default: 'sim:person-walks',
      minLength: 1,
      description: 'sim:<scene>, a file path, v4l2:/dev/videoN, rpicam: (the Pi camera module) or rtsp://… (credentials in agent.rtsp.credentialsFile, not in the URL)',
    }),
    audio: Type.Boolean({
      default: true,
      description: 'Record the camera\'s sound with its clips and carry it in live view (AAC copied, other codecs converted); false: clips are silent',
    }),
    rtsp: RtspSchema,
    rpicam: RpicamSchema,
    sim: SimSchema,
    video: VideoSchema,
    health: HealthSchema,
    motion: MotionSchema,
    detection: DetectionPicturesSchema,
    recording: RecordingSchema,
    gpio: AgentGpioSchema,
  },
  { ...Strict, default: {} },
);

const DirectoryTargetSchema = Type.Object(
  {
    type: Type.Literal('directory'),
    path: Type.String({ minLength: 1, description: 'Folder (for example a NAS mount) that receives the encrypted clips' }),
  },
  Strict,
);

const S3TargetSchema = Type.Object(
  {
    type: Type.Literal('s3'),
    endpoint: Type.Optional(Type.String({ minLength: 1, description: 'S3-compatible endpoint URL; omit for AWS' })),
    region: Type.String({ default: 'us-east-1', minLength: 1 }),
    bucket: Type.String({ minLength: 3, maxLength: 63 }),
    prefix: Type.String({ default: 'porchlight/', description: 'Key prefix for uploaded objects' }),
    forcePathStyle: Type.Boolean({ default: true }),
    verifyEtag: Type.Boolean({
      default: true,
      description: "Check each upload's ETag against the MD5 of the bytes sent; turn off only for buckets whose ETags are not MD5 (SSE-KMS)",
    }),
    credentialsFile: Type.Optional(
      Type.String({ minLength: 1, description: 'YAML or JSON file with accessKeyId and secretAccessKey (mode 0600)' }),
    ),
  },
  Strict,
);

const RelaySchema = Type.Object(
  {
    target: Type.Optional(Type.Union([DirectoryTargetSchema, S3TargetSchema])),
    retryBaseSeconds: Type.Number({ default: 2, minimum: 0.05, maximum: 600, description: 'First retry delay after a failed upload' }),
    retryMaxSeconds: Type.Number({ default: 300, minimum: 0.1, maximum: 86400, description: 'Longest retry delay' }),
    pollSeconds: Type.Number({ default: 1, minimum: 0.05, maximum: 60, description: 'How often the queue is checked for new clips' }),
    probeSeconds: Type.Number({
      default: 10,
      minimum: 0.05,
      maximum: 600,
      description: 'While offline, how often the target is checked; when it answers, the backlog drains at once',
    }),
    bandwidthBytesPerSecond: Type.Integer({ default: 0, minimum: 0, description: 'Upload bandwidth cap in bytes per second (0 = no cap)' }),
    multipartThresholdBytes: Type.Integer({
      default: 16 * 1024 * 1024,
      minimum: 5 * 1024 * 1024,
      description: 'S3 clips at least this large go up in parts (multipart upload)',
    }),
    partSizeBytes: Type.Integer({ default: 8 * 1024 * 1024, minimum: 5 * 1024 * 1024, maximum: 512 * 1024 * 1024, description: 'Size of one multipart part' }),
    retention: Type.Object(
      {
        localDays: Type.Number({ default: 30, minimum: 1, maximum: 3650, description: 'Days an uploaded clip keeps its copy on the hub' }),
        cloudDays: Type.Number({ default: 30, minimum: 1, maximum: 3650, description: 'Days a clip is kept in the cloud' }),
        localQuotaBytes: Type.Integer({
          default: 8 * 1024 ** 3,
          minimum: 1024 * 1024,
          description: 'Size limit of the clips on the hub; above it the oldest uploaded clips lose their local copy',
        }),
        minFreeBytes: Type.Integer({
          default: 512 * 1024 ** 2,
          minimum: 0,
          description: 'Disk space always left free; below it even clips not yet uploaded are deleted, oldest first (audited)',
        }),
        checkSeconds: Type.Number({ default: 60, minimum: 0.05, maximum: 86400, description: 'How often retention runs' }),
      },
      { ...Strict, default: {} },
    ),
  },
  { ...Strict, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    version: Type.Literal(1, { default: 1, description: 'Config file format version' }),
    dataDir: Type.String({ default: '/var/lib/porchlight', minLength: 1, description: 'Where this process keeps its state' }),
    log: LogSchema,
    hub: HubSchema,
    agent: AgentSchema,
    relay: RelaySchema,
  },
  { ...Strict, default: {} },
);

export type Config = Static<typeof ConfigSchema>;
export type HubConfig = Config['hub'];
/** Outgoing mail for hub users (verification, invitations); absent = mail not configured. */
export type SmtpConfig = NonNullable<HubConfig['smtp']>;
export type MqttConfig = NonNullable<HubConfig['mqtt']>;
export type AcmeConfig = NonNullable<HubConfig['acme']>;
export type AgentConfig = Config['agent'];
export type HubGpioConfig = HubConfig['gpio'];
export type DetectionConfig = HubConfig['detection'];
export type SyncButtonConfig = NonNullable<HubGpioConfig['syncButton']>;
export type AgentGpioConfig = AgentConfig['gpio'];
export type PirConfig = NonNullable<AgentGpioConfig['pir']>;
export type RecordingLedConfig = NonNullable<AgentGpioConfig['recordingLed']>;
export type RelayConfig = Config['relay'];
export type RelayTarget = NonNullable<RelayConfig['target']>;
export type RetentionConfig = RelayConfig['retention'];

export class ConfigError extends Error {}

function settingName(instancePath: string): string {
  return instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)';
}

/** Validates a plain object against a schema after filling in defaults; throws naming the setting. */
export function validateWith<T extends TSchema>(schema: T, input: unknown, source: string): Static<T> {
  const value = Value.Default(schema, structuredClone(input ?? {}));
  const first = Value.Errors(schema, value).First();
  if (first) {
    const found = first.value === undefined ? 'missing' : JSON.stringify(first.value);
    throw new ConfigError(`${source}: setting "${settingName(first.path)}" is invalid: ${first.message} (found ${found})`);
  }
  return value;
}

export function parseConfig(input: unknown, source = 'config'): Config {
  const config = validateWith(ConfigSchema, input, source);
  // The one rule a JSON schema cannot say: an alert is about something the detector looks for.
  const { classes, alertOn } = config.hub.detection;
  const missing = alertOn.find((label) => !classes.includes(label));
  if (missing) throw new ConfigError(`${source}: setting "hub.detection.alertOn" is invalid: ${missing} is not in hub.detection.classes, so it is never detected (found ${JSON.stringify(alertOn)})`);
  config.hub.householdCa.extraNames.forEach((name, i) => {
    try {
      parseExtraName(name);
    } catch (err) {
      throw new ConfigError(`${source}: setting "hub.householdCa.extraNames.${i}" is invalid: ${(err as Error).message}`);
    }
  });
  checkAcme(config.hub, source);
  return config;
}

/** What ACME needs of the rest of the hub's settings, which its own schema cannot see. */
function checkAcme(hub: HubConfig, source: string): void {
  const acme = hub.acme;
  if (!acme?.enabled) return;
  const bad = (setting: string, problem: string) => new ConfigError(`${source}: setting "hub.${setting}" is invalid: ${problem}`);
  if (hub.tls) throw bad('acme', 'hub.tls already names the certificate browsers get; remove hub.tls or set hub.acme.enabled: false');
  if (acme.challenge === 'dns-01' && !acme.dnsHook) throw bad('acme.dnsHook', 'dns-01 needs a hook that sets the TXT record (found missing)');
  if (acme.challenge === 'http-01') {
    if (!hub.redirectHttp) throw bad('redirectHttp', 'http-01 is answered by the plain-HTTP server, so it must run (found false)');
    const wildcard = acme.domains.find((d) => d.startsWith('*.'));
    if (wildcard) throw bad('acme.domains', `${wildcard} is a wildcard, which only dns-01 can prove (found ${JSON.stringify(acme.domains)})`);
  }
}

/** Reads a YAML (or JSON) config file; a missing `file` means all defaults. */
export function loadConfig(file: string | undefined, overrides: { dataDir?: string } = {}): Config {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      raw = YAML.parse(text) ?? {};
    } catch (err) {
      throw new ConfigError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const config = parseConfig(raw, file ?? 'defaults');
  const dataDir = overrides.dataDir ?? process.env.PORCHLIGHT_DATA_DIR;
  if (dataDir) config.dataDir = dataDir;
  config.dataDir = path.resolve(config.dataDir);
  const level = process.env.PORCHLIGHT_LOG_LEVEL;
  if (level) config.log = parseConfig({ log: { level } }, 'PORCHLIGHT_LOG_LEVEL').log;
  return config;
}
