import type { Config } from '../common/config';
import { getScene, sceneNames, type SceneSet } from '../camera-agent/scenes';
import { formatRow, formatTotals, HEADER, scoreScenes } from './scoreReport';

export interface ScoreCommandOptions {
  config: Config;
  periods: number;
  /** The set scored when no scene is named (the tuning set by default). */
  set?: SceneSet;
  size?: { width: number; height: number };
  json?: boolean;
  minRecall?: number;
  maxFalse?: number;
}

/** Runs `porchlight sim score`; false when a --min-recall / --max-false bound was missed. */
export async function runScoreCommand(names: string[], options: ScoreCommandOptions, print: (line: string) => void): Promise<boolean> {
  const chosen = names.length ? names : sceneNames(options.set);
  chosen.forEach(getScene);
  const agent = options.config.agent;
  const video = { ...agent.video, ...(options.size ?? {}) };
  if (!options.json) print(HEADER);
  const report = await scoreScenes(chosen, {
    periods: options.periods,
    video,
    motion: agent.motion,
    onScene: options.json ? undefined : (r) => print(formatRow(r)),
  });
  const t = report.totals;
  const failures: string[] = [];
  if (options.minRecall !== undefined && t.recall !== null && t.recall < options.minRecall) failures.push(`recall ${t.recall.toFixed(3)} is below ${options.minRecall}`);
  if (options.maxFalse !== undefined && t.nuisanceFalseEvents > options.maxFalse) {
    failures.push(`${t.nuisanceFalseEvents} false events on the nuisance scenes, more than ${options.maxFalse}`);
  }
  if (options.json) print(JSON.stringify({ ...report, failures }));
  else {
    print('');
    print(formatTotals(report));
    for (const f of failures) print(`FAILED: ${f}`);
  }
  return failures.length === 0;
}
