import type { Logger } from '../common/logger';

/*
 * The hub asks the camera for a still picture (channel event "snapshot", data
 * {"requestId": uuid}) when someone draws zones; the camera answers with a JPEG of what it
 * sees now. A request in a form the camera does not know is ignored, and in privacy mode
 * nothing is sent: the hub refuses then too, but a camera that knows it is private sends nothing.
 */

/** Makes the picture (SnapshotMaker). */
export interface PictureMaker {
  jpeg(): Promise<Buffer>;
}

/** Where the picture goes (HubClient). */
export interface SnapshotSink {
  sendSnapshot(requestId: string, jpeg: Buffer): Promise<void>;
}

const REQUEST_ID = /^[0-9a-f-]{36}$/;

/** The request's id, or null when the hub's message is not a request this camera understands. */
export function parseSnapshotRequest(data: string): string | null {
  let requestId: unknown;
  try {
    requestId = (JSON.parse(data) as { requestId?: unknown } | null)?.requestId;
  } catch {
    return null;
  }
  return typeof requestId === 'string' && REQUEST_ID.test(requestId) ? requestId : null;
}

export class SnapshotRequests {
  private allowed = true;

  constructor(
    private readonly maker: PictureMaker,
    private readonly sink: SnapshotSink,
    private readonly log: Logger,
  ) {}

  /** What the arming allows: false in privacy mode. */
  setAllowed(allowed: boolean): void {
    this.allowed = allowed;
  }

  /** One "snapshot" event from the channel (its raw data); settles once the picture is sent or given up. */
  async receive(data: string): Promise<void> {
    const requestId = parseSnapshotRequest(data);
    if (requestId === null) {
      this.log.warn('the hub asked for a picture in a form this camera does not understand; ignored');
      return;
    }
    if (!this.allowed) return;
    try {
      await this.sink.sendSnapshot(requestId, await this.maker.jpeg());
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not send the picture the hub asked for');
    }
  }
}
