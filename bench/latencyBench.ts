import * as path from 'node:path';
import { openDatabase } from '../common/database';
import { runDemo } from '../simulator/demo';
import { getScene, scriptedEvents } from '../camera-agent/scenes';
import { median } from '../simulator/sceneScore';

/*
 * Motion onset → `motion start` at the hub, end to end: the demo's hub and camera agents as
 * separate processes, scenes rendered live in real time. The onset's wall-clock time is the
 * agent's stream start (when its first frame arrived) plus the scripted onset.
 */

export interface LatencyResult {
  onsets: number;
  received: number;
  latenciesMs: number[];
  medianMs: number | null;
  maxMs: number | null;
  clipsChecked: number;
  clipsWithPreRoll: number;
  preRollSeconds: number;
}

export async function hubLatency(dataDir: string, seconds: number): Promise<LatencyResult> {
  const preRollSeconds = 3;
  const summary = await runDemo({
    dataDir,
    duration: seconds,
    agentOverrides: { video: { width: 640, height: 360 }, recording: { preRollSeconds } },
    say: () => undefined,
  });
  const db = openDatabase(path.join(dataDir, 'hub', 'hub.db'));
  try {
    const latencies: number[] = [];
    let onsets = 0;
    let clipsChecked = 0;
    let clipsWithPreRoll = 0;
    for (const cam of summary.cameras) {
      const starts = db
        .prepare(
          `SELECT e.media_time AS mediaTime, e.at, e.received_at AS receivedAt FROM motion_events e JOIN devices d ON d.id = e.device_id
           WHERE d.name = ? AND e.kind = 'start' ORDER BY e.at`,
        )
        .all(cam.name) as Array<{ mediaTime: number; at: number; receivedAt: number }>;
      const clips = db
        .prepare('SELECT c.media_start AS s, c.media_end AS e FROM clips c JOIN devices d ON d.id = c.device_id WHERE d.name = ?')
        .all(cam.name) as Array<{ s: number; e: number }>;
      for (const ev of scriptedEvents(getScene(cam.scene), cam.streamSeconds)) {
        onsets += 1;
        const start = starts.find((s) => s.mediaTime >= ev.start - 0.5 && s.mediaTime <= ev.end);
        if (start) {
          const streamStartAt = start.at - start.mediaTime * 1000;
          latencies.push(start.receivedAt - (streamStartAt + ev.start * 1000));
        }
        const clip = clips.find((c) => c.s <= ev.start && c.e >= ev.start);
        clipsChecked += 1;
        if (clip && ev.start - clip.s >= preRollSeconds - 1e-6) clipsWithPreRoll += 1;
      }
    }
    return {
      onsets,
      received: latencies.length,
      latenciesMs: latencies,
      medianMs: median(latencies),
      maxMs: latencies.length ? Math.max(...latencies) : null,
      clipsChecked,
      clipsWithPreRoll,
      preRollSeconds,
    };
  } finally {
    db.close();
  }
}
