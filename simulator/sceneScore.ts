/*
 * Scores detected motion events against a scene's ground truth. Pure.
 *
 * A detected event matches a real one when their spans overlap (with half a second of
 * slack either side); one detected event may cover several real ones (two visitors
 * inside one event are both on video). Onset latency is from the real onset to the frame
 * at which the detector decided, so it includes the minimum motion duration.
 */

import type { GateEvent } from '../camera-agent/motionGate';

export interface TruthEvent {
  start: number;
  end: number;
}

export interface DetectedEvent {
  start: number;
  end: number;
  /** Stream time at which `motion start` could be sent. */
  decidedAt: number;
  retrigger: boolean;
}

/** Collects a gate's start / end events into detected events (spans). */
export class EventLog {
  readonly events: DetectedEvent[] = [];
  private open: DetectedEvent | null = null;

  add(event: GateEvent | null): void {
    if (event?.kind === 'start') this.open = { start: event.time, end: Number.POSITIVE_INFINITY, decidedAt: event.decidedAt, retrigger: event.retrigger };
    if (event?.kind === 'end' && this.open) {
      this.events.push({ ...this.open, end: event.time });
      this.open = null;
    }
  }
}

export interface EventScore {
  seconds: number;
  truth: number;
  detected: number;
  /** Real events covered by a detected event. */
  recalled: number;
  /** Detected events that cover no real event. */
  falseEvents: number;
  /** Detected events that were retriggers (no new alert). */
  retriggers: number;
  /** Onset latency of each recalled real event (s). */
  latencies: number[];
}

const SLACK = 0.5;

const overlaps = (d: DetectedEvent, t: TruthEvent) => d.start <= t.end + SLACK && d.end >= t.start - SLACK;

export function scoreEvents(truth: TruthEvent[], detected: DetectedEvent[], seconds: number): EventScore {
  const latencies: number[] = [];
  let recalled = 0;
  for (const t of truth) {
    const first = detected.find((d) => overlaps(d, t));
    if (!first) continue;
    recalled += 1;
    latencies.push(Math.max(0, first.decidedAt - t.start));
  }
  const falseEvents = detected.filter((d) => !truth.some((t) => overlaps(d, t))).length;
  return {
    seconds,
    truth: truth.length,
    detected: detected.length,
    recalled,
    falseEvents,
    retriggers: detected.filter((d) => d.retrigger).length,
    latencies,
  };
}

export function precision(s: Pick<EventScore, 'detected' | 'falseEvents'>): number {
  return s.detected === 0 ? 1 : (s.detected - s.falseEvents) / s.detected;
}

export function recall(s: Pick<EventScore, 'truth' | 'recalled'>): number | null {
  return s.truth === 0 ? null : s.recalled / s.truth;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface ScoreTotals {
  truth: number;
  recalled: number;
  detected: number;
  falseEvents: number;
  recall: number | null;
  precision: number;
  /** Video of scenes with no real event (s). */
  nuisanceSeconds: number;
  /** False events on those scenes. */
  nuisanceFalseEvents: number;
  /** False events per hour of nuisance video. */
  falsePerHour: number | null;
  medianLatency: number | null;
  maxLatency: number | null;
}

export function totals(scores: EventScore[]): ScoreTotals {
  const sum = (k: 'truth' | 'recalled' | 'detected' | 'falseEvents') => scores.reduce((a, s) => a + s[k], 0);
  const nuisance = scores.filter((s) => s.truth === 0);
  const nuisanceSeconds = nuisance.reduce((a, s) => a + s.seconds, 0);
  const nuisanceFalseEvents = nuisance.reduce((a, s) => a + s.falseEvents, 0);
  const latencies = scores.flatMap((s) => s.latencies);
  const t = { truth: sum('truth'), recalled: sum('recalled'), detected: sum('detected'), falseEvents: sum('falseEvents') };
  return {
    ...t,
    recall: recall(t),
    precision: precision(t),
    nuisanceSeconds,
    nuisanceFalseEvents,
    falsePerHour: nuisanceSeconds > 0 ? (nuisanceFalseEvents * 3600) / nuisanceSeconds : null,
    medianLatency: median(latencies),
    maxLatency: latencies.length ? Math.max(...latencies) : null,
  };
}
