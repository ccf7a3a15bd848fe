import * as https from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { AGENT_SERVERNAME, CLIP_META_HEADER, type ClipUploadMeta, type MotionEvent, type PairResponse, type PairStartResponse } from '../common/protocol';
import { cameraProof, opaqueLib, openPairing, pairingKeys, pakeReady, PAIRING_KEY_STRETCHING, type SignedPairing } from '../common/pairingBinding';
import type { AgentIdentity } from './identity';
import type { CameraHealthReport } from '../common/api/cameraHealth';
import type { SpoolDropReport } from '../common/api/spoolDrops';
import { DETECTION_META_HEADER, type DetectedObject, type DetectionFrameMeta } from '../common/detection';

/*
 * The agent's HTTPS client. After pairing it trusts exactly one CA: the hub's own,
 * whose fingerprint it pinned when it paired. Host names are not checked, because a
 * hub is reached by IP, hostname or .local name alike and the pinned CA is unique to it.
 */

export class HubRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** 4xx other than 408/429: sending the same thing again will not help. */
  get permanent(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

interface Response {
  status: number;
  body: Buffer;
  /** The certificate the server presented on this connection. */
  peerCertificate: X509Certificate | undefined;
}

function request(url: URL, options: https.RequestOptions, body?: Buffer | Readable): Promise<Response> {
  return new Promise((resolve, reject) => {
    let socket: Socket | null = null;
    const req = https.request(url, { ...options, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      const peerCertificate = (res.socket as TLSSocket).getPeerX509Certificate();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, body: Buffer.concat(chunks), peerCertificate });
        // A refusal may come before the server has read the whole body (a full disk, a bad
        // token). If the server then stops reading instead of draining, the connection looks
        // free but its next request is never read, and would hang until the timeout: so a
        // connection that carried a refused body is closed here, before the keep-alive pool
        // (which only takes a writable socket, on the next tick) can hand it out again.
        if (body && status >= 300) socket?.destroy();
      });
      res.on('error', reject);
    });
    req.on('socket', (s) => (socket = s));
    req.on('timeout', () => req.destroy(new Error('hub did not answer in time')));
    req.on('error', reject);
    // pipeline, not pipe: when the connection goes, the file being sent is closed too.
    if (body && !Buffer.isBuffer(body)) pipeline(body, req, () => undefined);
    else req.end(body);
  });
}

function errorFrom(res: Response): HubRequestError {
  let code = 'HTTP_' + res.status;
  let message = `hub answered ${res.status}`;
  try {
    const parsed = JSON.parse(res.body.toString('utf8')) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code) code = parsed.error.code;
    if (parsed.error?.message) message = parsed.error.message;
  } catch {
    /* not JSON */
  }
  return new HubRequestError(res.status, code, message);
}

/** The hub did not prove it holds the pairing code, or its answer was changed on the way: nothing was stored. */
export class PairingProofError extends Error {}

export interface PairOptions {
  /** The local address to connect from (tests: several "cameras" on one machine). */
  localAddress?: string;
}

/**
 * Pairs with a hub through OPAQUE, the code as the password (common/protocol.ts): the code
 * never leaves the camera, a hub that does not hold the code's record fails to answer (so a
 * fake hub gets nothing, neither a camera nor anything to test guesses of the code against),
 * and every field of the answer is MACed under the exchange's session key, the token
 * encrypted under it. With `pinnedCaPem` (from a pairing link's fingerprint) only a hub whose
 * certificate that CA issued is talked to at all.
 */
export async function pairWithHub(hubUrl: string, code: string, name: string, pinnedCaPem?: string, options: PairOptions = {}): Promise<PairResponse> {
  if (new URL(hubUrl).protocol !== 'https:') throw new Error('the hub URL must start with https://');
  await pakeReady();
  const opaque = opaqueLib();
  const post = async (route: string, value: unknown): Promise<Response> => {
    const body = Buffer.from(JSON.stringify(value));
    return request(
      new URL(route, hubUrl),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
        ...(pinnedCaPem ? { ca: pinnedCaPem, checkServerIdentity: () => undefined } : { rejectUnauthorized: false }),
        minVersion: 'TLSv1.2',
        servername: AGENT_SERVERNAME,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        // A fresh handshake, never a resumed session: the server certificate must be presented to be checked.
        agent: new https.Agent({ maxCachedSessions: 0, keepAlive: false }),
      },
      body,
    );
  };
  const login = opaque.client.startLogin({ password: code });
  const first = await post('/api/pair/start', { ke1: login.startLoginRequest });
  if (first.status !== 200) throw errorFrom(first);
  const started = JSON.parse(first.body.toString('utf8')) as Partial<PairStartResponse>;
  if (typeof started.exchangeId !== 'string' || typeof started.ke2 !== 'string') throw new PairingProofError('the hub answered pairing with something other than an OPAQUE exchange: not paired');
  let finished: ReturnType<typeof opaque.client.finishLogin> | undefined;
  try {
    finished = opaque.client.finishLogin({ clientLoginState: login.clientLoginState, loginResponse: started.ke2, password: code, keyStretching: PAIRING_KEY_STRETCHING });
  } catch {
    finished = undefined;
  }
  if (!finished) {
    // The hub counted the attempt already; telling it lets it refuse (and audit) now.
    await post('/api/pair/abandon', { exchangeId: started.exchangeId }).catch(() => undefined);
    throw new PairingProofError(
      'the hub did not prove it knows this pairing code: the code is wrong or its window closed, or this is not your hub (nothing was sent that reveals the code, and nothing was stored)',
    );
  }
  const keys = pairingKeys(finished.sessionKey);
  const tlsFingerprint = first.peerCertificate?.fingerprint256;
  if (!tlsFingerprint) throw new Error('the hub presented no TLS certificate: not paired');
  const second = await post('/api/pair/finish', {
    exchangeId: started.exchangeId,
    ke3: finished.finishLoginRequest,
    name,
    tlsFingerprint,
    proof: cameraProof(keys, started.exchangeId, name, tlsFingerprint),
  });
  if (second.status !== 200) throw errorFrom(second);
  if (second.peerCertificate?.fingerprint256 !== tlsFingerprint) throw new PairingProofError('the hub changed TLS certificates during pairing (possible interception): not paired');
  let opened: ReturnType<typeof openPairing>;
  try {
    opened = openPairing(keys, JSON.parse(second.body.toString('utf8')) as SignedPairing, started.exchangeId);
  } catch {
    opened = null;
  }
  if (!opened) throw new PairingProofError("the hub's pairing answer does not carry the exchange's MAC: it was changed on the way (possible interception); not paired");
  if (opened.tlsFingerprint !== tlsFingerprint || opened.name !== name) throw new PairingProofError('the hub paired a different connection or name than this one: not paired');
  const ca = new X509Certificate(opened.caPem);
  if (ca.fingerprint256 !== opened.caFingerprint) throw new Error('the hub sent a CA that does not match its fingerprint');
  const served = second.peerCertificate;
  if (!served || !served.checkIssued(ca) || !served.verify(ca.publicKey)) {
    throw new Error('the certificate this connection used was not issued by the hub CA: refusing to pair (possible interception)');
  }
  return { deviceId: opened.deviceId, token: opened.token, caPem: opened.caPem, caFingerprint: opened.caFingerprint, footagePublicKey: opened.footagePublicKey };
}

/** A live upload in progress (see HubClient.liveUpload). */
export interface LiveUpload {
  write(data: Buffer): void;
  /** Bytes written and not yet sent. */
  backlog(): number;
  /** Ends the upload cleanly. */
  end(): void;
  /** Drops the connection. */
  abort(): void;
  /** Resolves when the hub answers 200; rejects with its refusal or a connection error. */
  done: Promise<void>;
}

export class HubClient {
  private readonly agent: https.Agent;

  constructor(private readonly identity: AgentIdentity) {
    const ca = new X509Certificate(identity.caPem);
    if (ca.fingerprint256 !== identity.caFingerprint) {
      throw new Error('the stored hub CA does not match the pinned fingerprint: pair the camera again');
    }
    this.agent = new https.Agent({
      ca: identity.caPem,
      minVersion: 'TLSv1.2',
      servername: AGENT_SERVERNAME,
      checkServerIdentity: () => undefined,
      keepAlive: true,
    });
  }

  private headers(extra: Record<string, string | number> = {}) {
    return { authorization: `Bearer ${this.identity.token}`, ...extra };
  }

  async uploadClip(meta: ClipUploadMeta, file: string): Promise<void> {
    const { size } = await fs.stat(file);
    const res = await request(
      new URL('/api/device/clips', this.identity.hubUrl),
      {
        method: 'POST',
        agent: this.agent,
        headers: this.headers({
          'content-type': 'application/octet-stream',
          'content-length': size,
          [CLIP_META_HEADER]: JSON.stringify(meta),
        }),
      },
      createReadStream(file),
    );
    if (res.status !== 200 && res.status !== 201) throw errorFrom(res);
  }

  async sendEvent(event: MotionEvent): Promise<void> {
    await this.postJson('/api/device/events', event);
  }

  /** Reports the camera's video health (see cameraHealth.ts). */
  async sendHealth(report: CameraHealthReport): Promise<void> {
    await this.postJson('/api/device/health', report);
  }

  /** Tells the hub what the spool budget dropped while clips could not be delivered (the hub records a resent report once). */
  async reportSpoolDrops(report: SpoolDropReport): Promise<void> {
    await this.postJson('/api/device/spool-drops', report);
  }

  private async postJson(route: string, value: unknown): Promise<void> {
    const body = Buffer.from(JSON.stringify(value));
    const res = await request(
      new URL(route, this.identity.hubUrl),
      { method: 'POST', agent: this.agent, headers: this.headers({ 'content-type': 'application/json', 'content-length': body.length }) },
      body,
    );
    if (res.status !== 200) throw errorFrom(res);
  }

  /**
   * Sends a picture to the hub's object detector (from memory: it is never written to disk)
   * and returns what it saw.
   */
  async uploadDetectionFrame(meta: DetectionFrameMeta, data: Uint8Array): Promise<DetectedObject[]> {
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const res = await request(
      new URL('/api/device/detection-frames', this.identity.hubUrl),
      {
        method: 'POST',
        agent: this.agent,
        headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': body.length, [DETECTION_META_HEADER]: JSON.stringify(meta) }),
      },
      body,
    );
    if (res.status !== 200) throw errorFrom(res);
    return (JSON.parse(res.body.toString('utf8')) as { objects: DetectedObject[] }).objects;
  }

  /** Answers the hub's picture request `requestId` with a JPEG. */
  async sendSnapshot(requestId: string, jpeg: Buffer): Promise<void> {
    const res = await request(
      new URL(`/api/device/snapshots/${encodeURIComponent(requestId)}`, this.identity.hubUrl),
      { method: 'POST', agent: this.agent, headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': jpeg.length }) },
      jpeg,
    );
    if (res.status !== 200) throw errorFrom(res);
  }

  /**
   * Opens the live upload: the caller writes the init segment and fragments as they come and
   * ends it; `done` settles when the hub answers (it answers when it wants the stream to stop)
   * or the connection fails. No timeout: it lasts as long as someone watches.
   */
  liveUpload(): LiveUpload {
    const req = https.request(new URL('/api/device/live', this.identity.hubUrl), {
      method: 'POST',
      agent: this.agent,
      headers: this.headers({ 'content-type': 'application/octet-stream' }),
    });
    const done = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const answer: Response = { status: res.statusCode ?? 0, body: Buffer.concat(chunks), peerCertificate: undefined };
          if (answer.status === 200) resolve();
          else reject(errorFrom(answer));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    done.catch(() => undefined);
    return {
      write: (data) => {
        if (!req.destroyed && !req.writableEnded) req.write(data);
      },
      backlog: () => req.writableLength,
      end: () => {
        if (!req.destroyed && !req.writableEnded) req.end();
      },
      abort: () => req.destroy(),
      done,
    };
  }

  /**
   * Opens the hub's channel (server-sent events) and calls `onEvent` for each event until the
   * connection ends; resolves then, rejects when it cannot open. `signal` closes it.
   */
  channel(onEvent: (event: string, data: string) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      // Its own connection, without the request timeout: the channel stays open for days.
      const req = https.request(new URL('/api/device/channel', this.identity.hubUrl), { method: 'GET', agent: this.agent, headers: this.headers({ accept: 'text/event-stream' }), signal }, (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(errorFrom({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), peerCertificate: undefined })));
          return;
        }
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) onEvent(event, data.join('\n'));
          }
          // A hub that sends an endless line is not a hub worth listening to.
          if (buffer.length > 64 * 1024) res.destroy(new Error('channel frame too large'));
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
        res.on('error', () => resolve());
      });
      req.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
