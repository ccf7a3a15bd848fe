import WebSocket from 'ws';
import type { HubClient } from '../../camera-agent/hubClient';
import type { SignedIn, TestHub } from './hub';

/* Live view's two ends as tests drive them: a browser's WebSocket viewer, and a paired camera. */

export interface Viewer {
  ws: WebSocket;
  json: Array<{ type: string; mime?: string; code?: string; message?: string }>;
  binary: Buffer[];
  /** The close code, once the socket closed. */
  closed: Promise<number>;
  /** The HTTP status of an upgrade the hub refused (the socket never opened). */
  refusedWith: Promise<{ status: number; code: string | undefined }>;
}

export function watch(t: TestHub, who: SignedIn, cameraId: string, origin = t.base): Viewer {
  const ws = new WebSocket(`${t.base.replace('https:', 'wss:')}/api/cameras/${cameraId}/live`, { headers: { cookie: who.cookie, origin }, rejectUnauthorized: false });
  const viewer: Viewer = {
    ws,
    json: [],
    binary: [],
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
    refusedWith: new Promise((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          let code: string | undefined;
          try {
            code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code });
        });
      }),
    ),
  };
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) viewer.binary.push(Buffer.from(data));
    else viewer.json.push(JSON.parse(data.toString()));
  });
  ws.on('error', () => undefined);
  return viewer;
}

/** A camera: its channel's events, and the upload it opens when asked. */
export class Camera {
  readonly events: Array<{ event: string; data: string }> = [];
  private readonly abort = new AbortController();
  constructor(
    readonly id: string,
    readonly client: HubClient,
  ) {}
  open(): void {
    void this.client.channel((event, data) => this.events.push({ event, data }), this.abort.signal).catch(() => undefined);
  }
  live(): boolean[] {
    return this.events.filter((e) => e.event === 'live').map((e) => (JSON.parse(e.data) as { on: boolean }).on);
  }
  close(): void {
    this.abort.abort();
    this.client.close();
  }
}
