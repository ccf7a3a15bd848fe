import { createHash } from 'node:crypto';
import type { Nuisance, Scene } from '../camera-agent/scenes';

/*
 * Each play of the nuisance footage is different footage, not the same bytes again: replaying
 * one render proves little, since the detector sees the very same pictures. Play 1 is the scene
 * as catalogued; every later play redraws it with its own timings, light, sensor noise and
 * nuisance geometry, drawn from a generator seeded by the scene's name and the play number (the
 * same play is the same footage on every run, so a result can be looked at again). The changes
 * stay within what the scene describes (a porch light is still a porch light, rain is still
 * rain): they make more footage of the same kinds, they tune nothing.
 */

/** A generator of numbers in [0, 1) from a seed (mulberry32): the same seed gives the same numbers. */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits = 3) => Number(v.toFixed(digits));

/** The scene's name for play `play` (play 1 keeps its own name). */
export function variantName(name: string, play: number): string {
  return play <= 1 ? name : `${name}~v${play}`;
}

/**
 * Play `play` of a nuisance scene. Throws for a scene with objects: moving an object's timings
 * would move its ground truth too, and only scenes with no event are redrawn here.
 */
export function nuisanceVariant(s: Scene, play: number): Scene {
  if (!Number.isInteger(play) || play < 1) throw new Error(`play must be a whole number from 1, got ${play}`);
  if (s.objects.length) throw new Error(`scene ${s.name} has objects: only nuisance scenes are redrawn`);
  if (play === 1) return s;
  const r = seededRandom(`${s.name}#${play}`);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  const P = s.period;
  /** A span [a, b] of the period moved as a whole, still inside the period. */
  const shift = (a: number, b: number): number => round(between(-Math.min(a, b) + 0.5, P - Math.max(a, b) - 0.5), 2);
  const nuisances = s.nuisances.map((n): Nuisance => {
    switch (n.kind) {
      case 'lights': {
        const d = shift(n.on, n.off);
        return { ...n, on: round(n.on + d, 2), off: round(n.off + d, 2), x: round(clamp(n.x + between(-0.15, 0.15), 0.2, 0.8)), y: round(clamp(n.y + between(-0.1, 0.1), 0.2, 0.8)), radius: round(n.radius * between(0.8, 1.2)), strength: round(clamp(n.strength * between(0.8, 1.2), 0.1, 0.9)) };
      }
      case 'shadow': {
        const d = shift(n.start, n.start + n.duration);
        return { ...n, start: round(n.start + d, 2), duration: n.duration, depth: round(clamp(n.depth * between(0.75, 1.25), 0.1, 0.8)) };
      }
      case 'ir': {
        const d = shift(n.on, n.off);
        return { ...n, on: round(n.on + d, 2), off: round(n.off + d, 2) };
      }
      case 'rain':
        return { ...n, density: round(clamp(n.density * between(0.6, 1.5), 0.005, 0.05), 4) };
      case 'sway':
        return { ...n, amplitude: round(n.amplitude * between(0.7, 1.3)), period: round(n.period * between(0.8, 1.25), 2) };
      case 'exposure':
        return { ...n, amplitude: round(n.amplitude * between(0.8, 1.2)), period: round(n.period * between(0.8, 1.25), 2), phase: round(between(0, 1)) };
      case 'leaves':
        return { ...n, count: Math.max(1, Math.round(n.count * between(0.7, 1.4))), period: round(n.period * between(0.8, 1.25), 2), size: round(n.size * between(0.85, 1.15), 4) };
    }
  });
  return {
    ...s,
    name: variantName(s.name, play),
    light: round(clamp(s.light * between(0.8, 1.15), 0.2, 1.1)),
    noise: Math.round(clamp(s.noise * between(0.6, 1.8), 2, 30)),
    nuisances,
  };
}

/**
 * Real footage with no person, played again as different footage: ffmpeg filters for play
 * `play` (mirrored, cropped, darker or brighter, grainier: an augmentation of the same scene,
 * reported as such). Play 1 is the file as it is.
 */
export function footageAugmentation(name: string, play: number, width: number, height: number): string | null {
  if (play <= 1) return null;
  const r = seededRandom(`${name}#${play}`);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  const filters: string[] = [];
  if (play % 2 === 0) filters.push('hflip');
  // A crop of 75–95 % of the frame, somewhere in it, scaled back: another framing of the scene.
  const k = between(0.75, 0.95);
  const cw = Math.round((width * k) / 2) * 2;
  const ch = Math.round((height * k) / 2) * 2;
  filters.push(`crop=${cw}:${ch}:${Math.round(between(0, width - cw))}:${Math.round(between(0, height - ch))}`, `scale=${width}:${height}`);
  filters.push(`eq=brightness=${round(between(-0.15, 0.1))}:contrast=${round(between(0.8, 1.15))}:gamma=${round(between(0.8, 1.25))}`);
  filters.push(`noise=alls=${Math.round(between(3, 15))}:allf=t`);
  return filters.join(',');
}

/**
 * A real still photograph with no person as camera footage: the camera sways on its pole (a slow
 * pan of a few pixels), its auto-exposure hunts, and the sensor adds noise. Each play sways and
 * hunts on its own course. `seconds` long at `fps`, `width`×`height`.
 */
export function stillFootageFilter(name: string, play: number, width: number, height: number, seconds: number): string {
  const r = seededRandom(`${name}#still#${play}`);
  const between = (lo: number, hi: number) => lo + (hi - lo) * r();
  const margin = 0.08;
  const sw = Math.round((width * (1 + 2 * margin)) / 2) * 2;
  const sh = Math.round((height * (1 + 2 * margin)) / 2) * 2;
  const ax = round(between(2, width * margin * 0.9), 1);
  const ay = round(between(1, height * margin * 0.5), 1);
  const px = round(between(1.5, 6), 2);
  const py = round(between(2, 9), 2);
  const ep = round(between(6, seconds), 1);
  const ea = round(between(0.04, 0.15));
  return [
    `scale=${sw}:${sh}:force_original_aspect_ratio=increase`,
    `crop=${width}:${height}:x='(iw-ow)/2+${ax}*sin(2*PI*t/${px})':y='(ih-oh)/2+${ay}*sin(2*PI*t/${py}+1)'`,
    ...(play % 2 === 0 ? ['hflip'] : []),
    `eq=brightness='${ea}*sin(2*PI*t/${ep}+${round(between(0, 6.28), 2)})':eval=frame`,
    `noise=alls=${Math.round(between(4, 14))}:allf=t`,
    'format=yuv420p',
  ].join(',');
}
