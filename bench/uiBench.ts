import { readFileSync } from 'node:fs';
import { liveStartupBench } from './liveStartup';
import { machine } from './motionBench';
import { median } from '../simulator/sceneScore';

/*
 * The web UI's figures: what a browser downloads from the Pi (the bundle, gzipped, as
 * scripts/build-ui.mjs measured it) and how fast live view starts (issue 7: under 2 s on
 * the LAN).
 */

export const UI_SECTION = 'ui';

interface BundleSize {
  files: Record<string, { bytes: number; gzipBytes: number }>;
  totalGzipBytes: number;
}

const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

export async function uiBench(bundleSizeFile: string, runs: number, progress: (line: string) => void): Promise<string> {
  const bundle = JSON.parse(readFileSync(bundleSizeFile, 'utf8')) as BundleSize;
  progress(`live view start-up, ${runs} runs…`);
  const live = await liveStartupBench(runs);
  const cold = median(live.cold) ?? Number.NaN;
  const warm = median(live.warm) ?? Number.NaN;
  return [
    `<!-- bench:${UI_SECTION} -->`,
    '## Web UI: download size and live view start-up',
    '',
    `Command: \`npm run bench -- --ui\` (bench/uiBench.ts), ${new Date().toISOString().slice(0, 10)}. Machine: ${machine()}.`,
    '',
    '| file | bytes | gzipped |',
    '|---|---|---|',
    ...Object.entries(bundle.files).map(([file, s]) => `| ${file} | ${s.bytes} | ${kib(s.gzipBytes)} |`),
    `| **all** | | **${kib(bundle.totalGzipBytes)}** |`,
    '',
    'Live view: the time from clicking Live in Chromium to the first decoded frame, with the hub, a camera agent',
    'encoding a simulated scene (640×360, keyframe every second) and the browser on this machine, as on a LAN.',
    '"Cold": the camera was not streaming and the hub has to ask it first; "warm": the page reopened while the',
    `stream still runs. Median of ${runs} runs each.`,
    '',
    '| | median | runs | target |',
    '|---|---|---|---|',
    `| cold start | ${cold} ms | ${live.cold.join(', ')} ms | < 2000 ms: ${cold < 2000 ? 'met' : 'not met'} |`,
    `| warm start | ${warm} ms | ${live.warm.join(', ')} ms | < 2000 ms: ${warm < 2000 ? 'met' : 'not met'} |`,
    '',
    `<!-- /bench:${UI_SECTION} -->`,
    '',
  ].join('\n');
}
