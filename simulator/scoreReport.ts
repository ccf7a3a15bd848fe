import type { AgentConfig } from '../common/config';
import { getScene, isNuisanceScene } from '../camera-agent/scenes';
import { runScene } from './sceneRunner';
import { median, precision, recall, scoreEvents, totals, type EventScore, type ScoreTotals } from './sceneScore';

/*
 * `porchlight sim score`: runs labelled scenes through the detector and reports how it did,
 * per scene and overall, as a table or JSON.
 */

export interface SceneReport extends EventScore {
  scene: string;
  nuisance: boolean;
  precision: number;
  recall: number | null;
  medianLatency: number | null;
  /** Detector time per frame, median (ms). */
  detectorMs: number | null;
}

export interface ScoreReport {
  video: string;
  analysis: string;
  periods: number;
  scenes: SceneReport[];
  totals: ScoreTotals;
}

export async function scoreScenes(
  names: string[],
  options: { periods: number; video: AgentConfig['video']; motion: AgentConfig['motion']; onScene?: (r: SceneReport) => void },
): Promise<ScoreReport> {
  const scenes = names.map(getScene);
  const reports: SceneReport[] = [];
  for (const scene of scenes) {
    const run = await runScene(scene, options);
    const score = scoreEvents(run.truth, run.events, run.seconds);
    const report: SceneReport = {
      scene: scene.name,
      nuisance: isNuisanceScene(scene),
      ...score,
      precision: precision(score),
      recall: recall(score),
      medianLatency: median(score.latencies),
      detectorMs: median(run.detectorMs),
    };
    reports.push(report);
    options.onScene?.(report);
  }
  const v = options.video;
  return {
    video: `${v.width}x${v.height}@${v.fps}`,
    analysis: `${v.analysisWidth}x${v.analysisHeight}@${v.analysisFps}`,
    periods: options.periods,
    scenes: reports,
    totals: totals(reports),
  };
}

const num = (v: number | null, digits = 2, unit = '') => (v === null ? '—' : v.toFixed(digits) + unit);

export function formatRow(r: SceneReport): string {
  return [
    r.scene.padEnd(18),
    (r.nuisance ? 'nuisance' : 'event').padEnd(9),
    `${r.seconds} s`.padStart(6),
    String(r.truth).padStart(6),
    String(r.detected).padStart(9),
    num(r.precision).padStart(10),
    num(r.recall).padStart(7),
    num(r.medianLatency, 2, ' s').padStart(14),
    (r.nuisance ? num((r.falseEvents * 3600) / r.seconds, 1) : '—').padStart(9),
    num(r.detectorMs, 2).padStart(7),
  ].join(' ');
}

export const HEADER = [
  'scene'.padEnd(18),
  'kind'.padEnd(9),
  'video'.padStart(6),
  'events'.padStart(6),
  'detected'.padStart(9),
  'precision'.padStart(10),
  'recall'.padStart(7),
  'onset latency'.padStart(14),
  'false/h'.padStart(9),
  'ms/fr'.padStart(7),
].join(' ');

export function formatTotals(report: ScoreReport): string {
  const t = report.totals;
  return [
    `all scenes: ${t.recalled}/${t.truth} real events found (recall ${num(t.recall)}), precision ${num(t.precision)}, ` +
      `${t.falseEvents} false event(s)`,
    `nuisance scenes: ${t.nuisanceFalseEvents} false event(s) in ${(t.nuisanceSeconds / 60).toFixed(1)} min = ${num(t.falsePerHour, 1)} per hour`,
    `onset latency (real onset → motion start decided): median ${num(t.medianLatency, 2, ' s')}, max ${num(t.maxLatency, 2, ' s')}`,
    `video ${report.video}, analysis ${report.analysis}; ${report.periods} period(s) per scene`,
  ].join('\n');
}
