import { strict as assert } from 'node:assert';
import type { Fragment } from '../../common/fmp4';
import type { LiveUpload } from '../../camera-agent/hubClient';
import { LiveStreamer, parseLiveCommand } from '../../camera-agent/liveStreamer';
import { createLogger } from '../../common/logger';

class FakeUpload implements LiveUpload {
  readonly written: string[] = [];
  ended = false;
  queued = 0;
  private settle!: { resolve: () => void; reject: (err: Error) => void };
  readonly done = new Promise<void>((resolve, reject) => {
    this.settle = { resolve, reject };
  });
  write(data: Buffer): void {
    this.written.push(data.toString());
  }
  backlog(): number {
    return this.queued;
  }
  end(): void {
    this.ended = true;
  }
  abort(): void {
    this.ended = true;
  }
  /** The hub answers. */
  answer(err?: Error): void {
    if (err) this.settle.reject(err);
    else this.settle.resolve();
  }
}

class Led {
  readonly holds = new Set<number>();
  private next = 1;
  hold(): () => void {
    const id = this.next++;
    this.holds.add(id);
    return () => this.holds.delete(id);
  }
  get lit(): boolean {
    return this.holds.size > 0;
  }
}

const frag = (name: string, start: number): Fragment => ({ start, duration: 1, decodeTime: start * 90_000, timescale: 90_000, data: Buffer.from(name) });
const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  const uploads: FakeUpload[] = [];
  const led = new Led();
  const live = new LiveStreamer(
    () => {
      const u = new FakeUpload();
      uploads.push(u);
      return u;
    },
    led,
    createLogger('live-test', 'silent'),
  );
  return { live, uploads, led };
}

describe('camera live streamer', () => {
  it('sends the init segment and the newest fragment at once, then each new one, with the LED lit until the hub says stop', async () => {
    const { live, uploads, led } = setup();
    live.onStream(Buffer.from('init'));
    live.onFragment(frag('f1', 0));
    live.onFragment(frag('f2', 1));
    assert.equal(uploads.length, 0, 'nothing is sent while nobody watches');
    assert.equal(led.lit, false);
    live.command('{"on":true}');
    live.command('{"on":true}');
    live.onFragment(frag('f3', 2));
    assert.equal(uploads.length, 1, 'asking twice opens one upload');
    assert.deepEqual(uploads[0]!.written, ['init', 'f2', 'f3']);
    assert.equal(led.lit, true, 'the LED shows the camera streams');
    assert.equal(live.streaming, true);
    live.command('{"on":false}');
    assert.equal(uploads[0]!.ended, true);
    assert.equal(led.lit, false);
    live.onFragment(frag('f4', 3));
    assert.deepEqual(uploads[0]!.written, ['init', 'f2', 'f3']);
  });

  it('waits for the first video when asked before there is any, and stops when the hub ends the upload', async () => {
    const { live, uploads, led } = setup();
    live.command('{"on":true}');
    live.onStream(Buffer.from('init'));
    assert.equal(uploads.length, 0);
    live.onFragment(frag('f1', 0));
    assert.deepEqual(uploads[0]!.written, ['init', 'f1']);
    uploads[0]!.answer();
    await tick();
    assert.equal(live.streaming, false);
    assert.equal(led.lit, false, 'the LED goes dark when the hub ends it');
    live.onFragment(frag('f2', 1));
    assert.equal(uploads.length, 1, 'not reopened until asked again');
    live.command('{"on":true}');
    uploads[1]!.answer(new Error('connection reset'));
    await tick();
    assert.equal(live.streaming, false);
    assert.equal(led.lit, false);
  });

  it('starts a new upload after the camera stream restarts, and sends nothing in privacy mode', () => {
    const { live, uploads, led } = setup();
    live.onStream(Buffer.from('init-a'));
    live.onFragment(frag('a1', 0));
    live.command('{"on":true}');
    live.onStreamEnd();
    assert.equal(uploads[0]!.ended, true);
    live.onStream(Buffer.from('init-b'));
    live.onFragment(frag('b1', 0));
    assert.deepEqual(uploads[1]!.written, ['init-b', 'b1'], 'the new run plays after its own init segment');
    live.setAllowed(false);
    assert.equal(uploads[1]!.ended, true);
    assert.equal(led.lit, false);
    live.command('{"on":true}');
    live.onFragment(frag('b2', 1));
    assert.equal(uploads.length, 2, 'privacy mode: the hub cannot make the camera stream');
    live.setAllowed(true);
    live.onFragment(frag('b3', 2));
    assert.equal(uploads.length, 2, 'a request made during privacy mode is not carried out after it');
    live.command('{"on":true}');
    assert.equal(uploads.length, 3);
  });

  it('skips fragments while the upload is behind, and ignores messages it does not understand', () => {
    const { live, uploads } = setup();
    live.onStream(Buffer.from('init'));
    live.onFragment(frag('f1', 0));
    live.command('{"on":true}');
    uploads[0]!.queued = 64 * 1024 * 1024;
    live.onFragment(frag('f2', 1));
    uploads[0]!.queued = 0;
    live.onFragment(frag('f3', 2));
    assert.deepEqual(uploads[0]!.written, ['init', 'f1', 'f3']);
    assert.equal(parseLiveCommand('{"on":"yes"}'), null);
    assert.equal(parseLiveCommand('nope'), null);
    live.command('nope');
    assert.equal(live.streaming, true);
  });
});
