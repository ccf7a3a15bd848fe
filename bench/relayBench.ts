import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable, type Transform } from 'node:stream';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import pino from 'pino';
import { ClipEncryptor } from '../common/clipEnvelope';
import { sealManifest } from '../common/clipManifest';
import { systemClock } from '../common/clock';
import { parseConfig, type Config } from '../common/config';
import { openDatabase, type DB } from '../common/database';
import { hubPaths } from '../common/dataLayout';
import { digestFile, type FileDigests } from '../common/fileHash';
import { generateFootageKeyPair } from '../common/footageKeys';
import { ClipStore } from '../hub/clipStore';
import { Relay } from '../cloud-relay/relay';
import { createTarget } from '../common/cloud/targets';
import type { UploadTarget } from '../common/cloud/uploadTarget';
import { machine } from './motionBench';

/*
 * `npm run bench -- --relay`: the cloud relay against a bare PutObject loop to the same S3
 * server (s3rver on loopback, in its own process so that its work does not share the
 * benchmark's event loop), and the time to drain a backlog of 1,000 clips.
 */

export const RELAY_SECTION = 'relay';

const BUCKET = 'footage';
const ACCESS_KEY = 'S3RVER';
const THROUGHPUT_CLIPS = 60;
const THROUGHPUT_PLAIN = 1024 * 1024;
const ROUNDS = 5;
const DRAIN_CLIPS = 1000;
const DRAIN_PLAIN = 50_000;
const DRAIN_RUNS = 3;
const DRAIN_BUDGET_S = 180;

type Log = (s: string) => void;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

// ---- s3rver in a child process --------------------------------------------------------

interface S3Server {
  endpoint: string;
  credentialsFile: string;
  version: string;
  close(): Promise<void>;
}

/** The child: s3rver on 127.0.0.1, a free port, one bucket; reports its port over IPC. */
async function serveS3(dir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships no types, and only this child process needs it
  const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<{ port: number }> };
  await fs.mkdir(dir, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await server.run();
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port });
}

async function startS3Child(work: string): Promise<S3Server> {
  const credentialsFile = path.join(work, 's3-credentials.yaml');
  await fs.writeFile(credentialsFile, `accessKeyId: ${ACCESS_KEY}\nsecretAccessKey: ${ACCESS_KEY}\n`, { mode: 0o600 });
  const child: ChildProcess = fork(__filename, ['--s3rver', path.join(work, 's3')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before it listened`)));
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver's version for the report, read only when it runs
  const version = (require('s3rver/package.json') as { version: string }).version;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentialsFile,
    version,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

// ---- a hub clip store with real encrypted clips ---------------------------------------

interface BenchHub {
  dir: string;
  db: DB;
  clipsDir: string;
  publicKey: Uint8Array;
  /** Clip files in queue order (oldest first) with their sizes. */
  files: Array<{ file: string; bytes: number }>;
  cipherBytes: number;
}

// An MP4 file-type box: the hub refuses clips whose plaintext is not an MP4.
const FTYP = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomavc1', 'latin1')]);

/**
 * The hub's database and clip store, laid out as the hub lays them out. Clips go in through
 * ClipStore.ingest, the path a camera's upload takes, which also queues them.
 */
async function makeHub(dir: string, count: number, plainBytes: number): Promise<BenchHub> {
  const paths = hubPaths(dir);
  const db = openDatabase(paths.db);
  const keys = await generateFootageKeyPair();
  const store = new ClipStore(db, paths.clips, paths.tmp, keys, 512 * 1024 * 1024);
  await store.init();
  const deviceId = randomUUID();
  db.prepare('INSERT INTO devices (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)').run(deviceId, 'porch', randomBytes(16).toString('hex'), Date.now());
  const files: BenchHub['files'] = [];
  let startedAt = Date.now() - 3600_000;
  for (let i = 0; i < count; i++) {
    const clipId = randomUUID();
    const plain = Buffer.concat([FTYP, randomBytes(plainBytes - FTYP.length)]);
    const enc = await ClipEncryptor.create({ publicKey: keys.publicKey }, { clipId, deviceId });
    const sealed = Buffer.concat([enc.header, ...enc.push(plain), enc.final()]);
    startedAt += 1000;
    await store.ingest(deviceId, { clipId, startedAt, endedAt: startedAt + 5000, mediaStart: 0, mediaEnd: 5, trigger: 'motion' }, Readable.from([sealed]));
    files.push({ file: store.fileOf(clipId), bytes: sealed.length });
  }
  return { dir, db, clipsDir: paths.clips, publicKey: keys.publicKey, files, cipherBytes: files.reduce((a, f) => a + f.bytes, 0) };
}

/** Every clip pending again, due now, under fresh object names (so no PUT overwrites). */
function resetQueue(db: DB): void {
  db.prepare(
    "UPDATE upload_queue SET state = 'pending', uploaded_at = NULL, next_attempt_at = 0, attempts = 0, last_error = NULL, sha256 = NULL, object_name = lower(hex(randomblob(16)))",
  ).run();
}

// ---- the relay ------------------------------------------------------------------------

/** Delegates to the real target, timing its uploads (a few performance.now() calls per clip). */
class TimedTarget implements UploadTarget {
  putFileMs = 0;
  putBytesMs = 0;
  constructor(private readonly inner: UploadTarget) {}
  get description() {
    return this.inner.description;
  }
  async putFile(key: string, file: string, digests: FileDigests, pace?: () => Transform) {
    const t = performance.now();
    await this.inner.putFile(key, file, digests, pace);
    this.putFileMs += performance.now() - t;
  }
  async putBytes(key: string, body: Buffer) {
    const t = performance.now();
    await this.inner.putBytes(key, body);
    this.putBytesMs += performance.now() - t;
  }
  get(key: string) {
    return this.inner.get(key);
  }
  list() {
    return this.inner.list();
  }
  remove(key: string) {
    return this.inner.remove(key);
  }
  check() {
    return this.inner.check();
  }
  cleanup() {
    return this.inner.cleanup();
  }
  close() {
    this.inner.close();
  }
}

function relayConfig(s3: S3Server, hub: BenchHub): Config {
  return parseConfig({
    dataDir: hub.dir,
    relay: { target: { type: 's3', endpoint: s3.endpoint, bucket: BUCKET, prefix: 'clips/', credentialsFile: s3.credentialsFile }, pollSeconds: 0.05 },
  });
}

function makeRelay(hub: BenchHub, config: Config, target: UploadTarget): Relay {
  return new Relay({
    db: hub.db,
    clipsDir: hub.clipsDir,
    target,
    publicKey: hub.publicKey,
    clock: systemClock,
    // Info level as in production (a line per clip), written nowhere.
    log: pino({ level: 'info' }, { write: () => undefined }),
    config: config.relay,
  });
}

// ---- measurements ---------------------------------------------------------------------

export interface ThroughputRound {
  first: 'raw' | 'relay';
  rawMs: number;
  relayMs: number;
  putFileMs: number;
  putBytesMs: number;
}

export interface RelayBenchResult {
  date: string;
  seconds: number;
  s3rverVersion: string;
  clips: number;
  plainBytes: number;
  cipherBytes: number;
  manifestBytes: number;
  rounds: ThroughputRound[];
  digestMsPerClip: number;
  sealMsPerClip: number;
  drain: { clips: number; plainBytes: number; cipherBytes: number; runsMs: number[] };
}

async function rawLoop(client: S3Client, hub: BenchHub, round: number): Promise<number> {
  const t = performance.now();
  for (const [i, f] of hub.files.entries()) {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `raw/${round}/${i}.plc`, Body: createReadStream(f.file), ContentLength: f.bytes, ContentType: 'application/octet-stream' }),
    );
  }
  return performance.now() - t;
}

async function relayPass(relay: Relay, hub: BenchHub): Promise<number> {
  resetQueue(hub.db);
  const before = relay.uploaded;
  const t = performance.now();
  await relay.pass();
  const ms = performance.now() - t;
  const { pending } = relay.queue.counts();
  if (relay.uploaded - before !== hub.files.length || pending !== 0) throw new Error(`relay uploaded ${relay.uploaded - before} of ${hub.files.length} clips (${pending} pending): ${relay.status.lastError ?? ''}`);
  return ms;
}

async function throughput(s3: S3Server, work: string, log: Log): Promise<Pick<RelayBenchResult, 'clips' | 'plainBytes' | 'cipherBytes' | 'manifestBytes' | 'rounds' | 'digestMsPerClip' | 'sealMsPerClip'>> {
  log(`relay bench: ${THROUGHPUT_CLIPS} clips of ${THROUGHPUT_PLAIN} bytes`);
  const hub = await makeHub(path.join(work, 'hub-throughput'), THROUGHPUT_CLIPS, THROUGHPUT_PLAIN);
  const config = relayConfig(s3, hub);
  const target = new TimedTarget(createTarget(config));
  const relay = makeRelay(hub, config, target);
  // The raw loop's client is set up as the relay's (cloud-relay/s3Target.ts): no aws-chunked checksums.
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: s3.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
  try {
    // Warm-up (connections, JIT, s3rver's first writes), not counted.
    await rawLoop(client, hub, -1);
    await relayPass(relay, hub);
    const rounds: ThroughputRound[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const first = r % 2 === 0 ? 'raw' : 'relay';
      target.putFileMs = target.putBytesMs = 0;
      let rawMs = 0;
      let relayMs = 0;
      if (first === 'raw') {
        rawMs = await rawLoop(client, hub, r);
        relayMs = await relayPass(relay, hub);
      } else {
        relayMs = await relayPass(relay, hub);
        rawMs = await rawLoop(client, hub, r);
      }
      rounds.push({ first, rawMs, relayMs, putFileMs: target.putFileMs, putBytesMs: target.putBytesMs });
      log(`  round ${r + 1}/${ROUNDS} (${first} first): raw ${mbps(hub.cipherBytes, rawMs).toFixed(1)} MB/s, relay ${mbps(hub.cipherBytes, relayMs).toFixed(1)} MB/s`);
    }
    // The relay's local work per clip, timed on its own: the one read that hashes the file
    // (SHA-256, MD5, part MD5s) and sealing the manifest.
    const partSize = config.relay.partSizeBytes;
    const digestRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      for (const f of hub.files) await digestFile(f.file, partSize);
      digestRuns.push((performance.now() - t) / hub.files.length);
    }
    const fields = relay.queue.manifestFields(path.basename(hub.files[0]!.file, '.plc'))!;
    const manifest = { ...fields, objectName: 'x'.repeat(32), sha256: 'x'.repeat(64) };
    const manifestBytes = (await sealManifest(manifest, hub.publicKey)).length;
    const t = performance.now();
    for (let i = 0; i < 200; i++) await sealManifest(manifest, hub.publicKey);
    const sealMsPerClip = (performance.now() - t) / 200;
    return { clips: hub.files.length, plainBytes: THROUGHPUT_PLAIN, cipherBytes: hub.cipherBytes, manifestBytes, rounds, digestMsPerClip: median(digestRuns), sealMsPerClip };
  } finally {
    client.destroy();
    target.close();
    hub.db.close();
  }
}

async function drain(s3: S3Server, work: string, log: Log): Promise<RelayBenchResult['drain']> {
  log(`relay bench: drain of ${DRAIN_CLIPS} clips of ${DRAIN_PLAIN} bytes`);
  const hub = await makeHub(path.join(work, 'hub-drain'), DRAIN_CLIPS, DRAIN_PLAIN);
  const config = relayConfig(s3, hub);
  const runsMs: number[] = [];
  try {
    for (let run = 0; run < DRAIN_RUNS; run++) {
      resetQueue(hub.db);
      const target = createTarget(config);
      const relay = makeRelay(hub, config, target);
      try {
        const done = new Promise<void>((resolve) => {
          relay.on('uploaded', () => {
            if (relay.uploaded === DRAIN_CLIPS) resolve();
          });
        });
        const t = performance.now();
        relay.start();
        await done;
        const ms = performance.now() - t;
        if (relay.queue.counts().pending !== 0) throw new Error('clips still pending after the drain');
        runsMs.push(ms);
        log(`  drain ${run + 1}: ${(ms / 1000).toFixed(1)} s`);
      } finally {
        await relay.stop();
        target.close();
      }
      if ((runsMs[0]! / 1000) * DRAIN_RUNS > DRAIN_BUDGET_S) break;
    }
    return { clips: DRAIN_CLIPS, plainBytes: DRAIN_PLAIN, cipherBytes: hub.cipherBytes, runsMs };
  } finally {
    hub.db.close();
  }
}

export async function relayBench(log: Log): Promise<RelayBenchResult> {
  const started = Date.now();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'porchlight-relay-bench-'));
  let s3: S3Server | null = null;
  try {
    s3 = await startS3Child(work);
    const tp = await throughput(s3, work, log);
    const dr = await drain(s3, work, log);
    return { date: new Date().toISOString().slice(0, 10), seconds: (Date.now() - started) / 1000, s3rverVersion: s3.version, ...tp, drain: dr };
  } finally {
    await s3?.close();
    await fs.rm(work, { recursive: true, force: true });
  }
}

// ---- the BENCHMARKS.md section --------------------------------------------------------

export function relayReport(r: RelayBenchResult): string {
  const n = r.clips;
  const rawMs = median(r.rounds.map((x) => x.rawMs));
  const relayMs = median(r.rounds.map((x) => x.relayMs));
  const rawMBps = median(r.rounds.map((x) => mbps(r.cipherBytes, x.rawMs)));
  const relayMBps = median(r.rounds.map((x) => mbps(r.cipherBytes, x.relayMs)));
  const ratio = relayMBps / rawMBps;
  const perClip = (ms: number) => `${(ms / n).toFixed(1)} ms`;
  const putFile = median(r.rounds.map((x) => x.putFileMs));
  const putBytes = median(r.rounds.map((x) => x.putBytesMs));
  const rest = relayMs - putFile - putBytes - (r.digestMsPerClip + r.sealMsPerClip) * n;
  const d = r.drain;
  const drainMs = median(d.runsMs);
  const cipherKiB = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  return [
    `<!-- bench:${RELAY_SECTION} -->`,
    '## Cloud relay: throughput against a bare PutObject loop, and a 1,000-clip backlog',
    '',
    `Command: \`npm run bench -- --relay\` (bench/relayBench.ts), ${r.date}, ${(r.seconds / 60).toFixed(1)} min. Machine: ${machine()}.`,
    `S3 server: s3rver ${r.s3rverVersion} on 127.0.0.1 in its own Node process, storing in a temp dir; AWS SDK v3 (\`@aws-sdk/client-s3\`) on both sides, with the relay's client settings (no aws-chunked checksums).`,
    '',
    `Clips are real encrypted clips in a hub clip store (ClipStore.ingest, which queues them). Throughput: ${n} clips of ${r.plainBytes / 2 ** 20} MiB plaintext`,
    `(${cipherKiB(r.cipherBytes / n)} each encrypted, ${(r.cipherBytes / 1e6).toFixed(1)} MB in all; below the multipart threshold, so one PUT each). The bare loop sends each clip file`,
    `with PutObjectCommand, one after another, under new keys; the relay uploads the same files with \`relay.pass()\` (the queue reset to pending under`,
    `new object names each round). ${r.rounds.length} rounds after one warm-up round of each, alternating which goes first; MB = 10⁶ bytes of clip files (manifests not counted).`,
    '',
    '| | bare PutObject loop | relay.pass() |',
    '|---|---|---|',
    `| median throughput | ${rawMBps.toFixed(1)} MB/s | ${relayMBps.toFixed(1)} MB/s |`,
    `| median time per clip | ${perClip(rawMs)} | ${perClip(relayMs)} |`,
    `| each round (MB/s) | ${r.rounds.map((x) => mbps(r.cipherBytes, x.rawMs).toFixed(1)).join(', ')} | ${r.rounds.map((x) => mbps(r.cipherBytes, x.relayMs).toFixed(1)).join(', ')} |`,
    `| **ratio relay / bare** (of the medians) | | **${ratio.toFixed(2)}** |`,
    '',
    'What the relay does per clip beyond the bare PUT, and where its time goes (medians over the rounds; the hash and the seal timed on their own):',
    '',
    '| step | time per clip |',
    '|---|---|',
    `| read the file once for SHA-256, MD5 and the multipart part MD5s (\`digestFile\`) | ${r.digestMsPerClip.toFixed(1)} ms |`,
    `| PUT of the clip (streamed from the file) + HEAD verifying size, SHA-256 metadata and ETag | ${perClip(putFile)} |`,
    `| seal the manifest to the footage key (${r.manifestBytes} bytes) | ${r.sealMsPerClip.toFixed(2)} ms |`,
    `| PUT of the manifest + HEAD verifying it | ${perClip(putBytes)} |`,
    `| the rest: SQLite (due query per 10 clips, manifest fields, mark uploaded), a log line, status heartbeat, retention check | ${perClip(Math.max(0, rest))} |`,
    `| total | ${perClip(relayMs)} (bare PUT: ${perClip(rawMs)}) |`,
    '',
    `Backlog drain: ${d.clips.toLocaleString('en')} pending clips of ${d.plainBytes / 1000} kB plaintext (${cipherKiB(d.cipherBytes / d.clips)} encrypted), timed from \`relay.start()\` (real clock,`,
    `pollSeconds 0.05; includes its start-up cleanup and probe) until the last clip is verified and none is pending.`,
    '',
    '| clips | runs | time (median) | clips/s | MB/s |',
    '|---|---|---|---|---|',
    `| ${d.clips.toLocaleString('en')} | ${d.runsMs.length} (${d.runsMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ')}) | ${(drainMs / 1000).toFixed(1)} s | ${(d.clips / (drainMs / 1000)).toFixed(0)} | ${mbps(d.cipherBytes, drainMs).toFixed(1)} |`,
    '',
    `How to read it: the ratio is the share of a bare upload loop's speed the relay keeps while verifying every clip end to end and sealing its manifest; loopback s3rver has no network delay, so each extra round trip (HEAD, manifest PUT + HEAD) weighs far more here than against a remote bucket, where the clip PUT dominates.`,
    `<!-- /bench:${RELAY_SECTION} -->`,
  ].join('\n') + '\n';
}

if (require.main === module && process.argv[2] === '--s3rver') {
  serveS3(process.argv[3]!).catch((err: Error) => {
    process.stderr.write(`s3rver: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
