import { execFile } from 'node:child_process';
import { SourceUnavailableError, unavailableReason } from '../sourceErrors';
import { redactCredentials, type Credentials } from './credentials';

/*
 * What a source holds, asked of ffprobe with the same input options capture will use (RTSP
 * transport, credentials, socket timeout): a probe that reaches the camera differently from
 * capture proves nothing. A probe that fails says why (unreachable, unauthorized,
 * unsupported) as a SourceUnavailableError, never "not H.264".
 */

export interface ProbedStreams {
  video?: { codec: string; profile?: string; width?: number; height?: number };
  audio?: { codec: string };
}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  width?: number;
  height?: number;
}

export function parseProbe(json: string): ProbedStreams {
  const streams = (JSON.parse(json) as { streams?: FfprobeStream[] }).streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && s.codec_name);
  const a = streams.find((s) => s.codec_type === 'audio' && s.codec_name);
  return {
    ...(v ? { video: { codec: v.codec_name!, profile: v.profile, width: v.width, height: v.height } } : {}),
    ...(a ? { audio: { codec: a.codec_name! } } : {}),
  };
}

/**
 * Runs ffprobe on `input` (after `inputOptions`); `what` names the source in errors without
 * its credentials. The whole probe is bounded by `timeoutMs` besides ffprobe's own timeout.
 */
export function probeStreams(
  input: string,
  inputOptions: string[],
  what: string,
  timeoutMs: number,
  credentials?: Credentials,
  ffprobePath = process.env.FFPROBE_PATH ?? 'ffprobe',
): Promise<ProbedStreams> {
  const args = ['-v', 'error', ...inputOptions, '-show_entries', 'stream=codec_type,codec_name,profile,width,height', '-of', 'json', input];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const said = redactCredentials(String(stderr).trim(), credentials).split('\n').slice(-2).join(' | ');
      if (err) {
        const timedOut = (err as { killed?: boolean }).killed === true;
        const reason = timedOut ? 'unreachable' : unavailableReason(String(stderr));
        const why = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : said || 'ffprobe failed';
        reject(new SourceUnavailableError(reason, `${what}: ${why}`));
        return;
      }
      let probed: ProbedStreams;
      try {
        probed = parseProbe(String(stdout));
      } catch {
        reject(new SourceUnavailableError('unsupported', `${what}: ffprobe gave no readable answer`));
        return;
      }
      if (!probed.video) {
        reject(new SourceUnavailableError('unsupported', `${what}: no video stream${said ? ` (${said})` : ''}`));
        return;
      }
      resolve(probed);
    });
  });
}
