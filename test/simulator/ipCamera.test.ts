import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startRtspCamera, type RtspCamera } from '../../simulator/ipCamera';
import { useTempDir } from '../helpers/tmp';

const run = promisify(execFile);

interface ProbedStream {
  codec_name: string;
  profile?: string;
  has_b_frames?: number;
  r_frame_rate?: string;
  width?: number;
}

async function probe(url: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-show_entries', 'stream=codec_name,profile,has_b_frames,r_frame_rate,width', '-of', 'json', url], {
    timeout: 20_000,
  });
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams;
}

/** The video's bitrate over `seconds` of packets read from the camera, in kbit/s. */
async function videoKbps(url: string, seconds: number): Promise<number> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-rtsp_transport', 'tcp', '-select_streams', 'v:0', '-read_intervals', `%+${seconds}`, '-show_entries', 'packet=pts_time,size', '-of', 'csv=p=0', url],
    { timeout: 30_000 },
  );
  // The first packet may have no time (N/A): it is left out, as are its bytes.
  const packets = stdout
    .trim()
    .split('\n')
    .map((line) => line.split(',').map(Number) as [number, number])
    .filter(([time, size]) => Number.isFinite(time) && Number.isFinite(size));
  const first = packets[0]?.[0] ?? 0;
  const last = packets.at(-1)?.[0] ?? 0;
  assert.ok(last - first > seconds / 2, `only ${(last - first).toFixed(1)} s of video`);
  // Each packet lasts a frame: the span from the first to the last start misses the last one.
  const bytes = packets.slice(0, -1).reduce((sum, [, size]) => sum + size, 0);
  return (bytes * 8) / 1000 / (last - first);
}

// The tests of the camera side trust this stand-in for an IP camera: it must serve what one does.
describe('simulator: the stand-in IP camera (GStreamer RTSP server)', function () {
  this.timeout(60_000);
  const tmp = useTempDir();
  let cam: RtspCamera | undefined;
  afterEach(async () => cam?.close());

  it('serves H.264 Main without B-frames at 15 fps, with AAC audio, and keeps its port across a restart', async () => {
    cam = await startRtspCamera({ dir: tmp.dir });
    const streams = await probe(cam.url());
    const video = streams.find((s) => s.codec_name === 'h264');
    assert.ok(video, `no H.264 stream in ${JSON.stringify(streams)}`);
    assert.equal(video.profile, 'Main');
    assert.equal(video.has_b_frames, 0);
    // ffprobe estimates the rate from RTP timestamps of a few frames: 15/1, or 181/12 on a busy machine.
    const [num, den] = (video.r_frame_rate ?? '').split('/').map(Number);
    assert.ok(num && den && Math.abs(num / den - 15) < 0.5, `frame rate ${video.r_frame_rate}`);
    assert.ok(streams.some((s) => s.codec_name === 'aac'), 'no AAC stream');
    const port = cam.port;
    await cam.stopServer();
    await assert.rejects(probe(cam.url()));
    await cam.startServer();
    assert.equal(cam.port, port);
    assert.equal((await probe(cam.url())).length, 2);
  });

  it("holds its video to a camera's bitrate cap (1024 kbit/s at 640×360), which x264 alone would exceed several times on a noisy scene", async () => {
    const scene = { width: 640, height: 360, scene: 'person-walks', audio: false };
    cam = await startRtspCamera({ dir: tmp.dir, mounts: { capped: scene, uncapped: { ...scene, maxBitrateKbps: null } } });
    const [capped, uncapped] = await Promise.all([videoKbps(cam.url('capped'), 10), videoKbps(cam.url('uncapped'), 10)]);
    // The encoder's buffer is 2 s of the cap, so 10 s may average at most a fifth above it.
    assert.ok(capped <= 1024 * 1.2, `capped stream at ${capped.toFixed(0)} kbit/s`);
    assert.ok(uncapped > 2 * capped, `uncapped ${uncapped.toFixed(0)} kbit/s against capped ${capped.toFixed(0)} kbit/s`);
  });

  it('serves video alone for a camera without a microphone', async () => {
    cam = await startRtspCamera({ dir: tmp.dir, mounts: { cam: { width: 320, height: 180, audio: false } } });
    assert.deepEqual((await probe(cam.url())).map((s) => s.codec_name), ['h264']);
  });

  it('answers 401 without the right credentials', async () => {
    const credentials = { user: 'admin', password: 'p@ss word' };
    cam = await startRtspCamera({ dir: tmp.dir, credentials });
    await assert.rejects(probe(cam.url('cam', { user: 'admin', password: 'wrong' })), /401/);
    assert.equal((await probe(cam.url('cam', credentials))).length, 2);
  });
});
