/*
 * Simulated camera scenes with ground truth: ffmpeg lavfi filter graphs (no downloads) with
 * scripted moving objects and scripted nuisances (lights, cloud shadows, an IR night-mode
 * switch, rain, a swaying branch, auto-exposure drift). A scene repeats every `period`
 * seconds, so a demo can run for as long as it likes and a benchmark can run for an hour.
 *
 * Everything a scene does is expressed with cheap filters (overlay, eq, hue, noise, small
 * geq masks scaled up) so a simulated camera renders in real time even at 720p.
 */

import type { Polygon } from '../common/config';
import { DEV_SCENES } from './devScenes';
import { FOOTAGE_SCENES, type FootageScene } from './footageScenes';
import { HELD_OUT_SCENES } from './heldOutScenes';

export interface MovingObject {
  label: string;
  /** Seconds into each period when the object starts to enter the frame. */
  enter: number;
  /** Seconds into each period when it has left the frame. */
  leave: number;
  /** Size as a fraction of the frame. */
  width: number;
  height: number;
  /** Top edge as a fraction of the frame height. */
  top: number;
  color: string;
  direction?: 'ltr' | 'rtl';
  /** Top edge when it leaves (a diagonal path); `top` when absent. */
  topEnd?: number;
  /** A hard-edged box (default) or a soft ellipse. */
  shape?: 'box' | 'blob';
}

/** A flat shape of the static backdrop, in frame fractions. */
export interface BackdropBox {
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
  /** Foliage glows in IR night mode. */
  foliage?: boolean;
}

/** How an exposure nuisance bends the image: multiply (gain), gamma, or add (offset). */
export type ExposureCurve = 'gain' | 'gamma' | 'offset';
/** Its course over a period: smooth, a slow ramp with a snap back, or a staircase. */
export type ExposureWave = 'sine' | 'saw' | 'steps';

export type Nuisance =
  /** A light (porch lamp, floodlight) that switches on and off: a soft pool of light. */
  | { kind: 'lights'; on: number; off: number; x: number; y: number; radius: number; strength: number }
  /** A cloud shadow sliding over the whole scene with a soft edge. */
  | { kind: 'shadow'; start: number; duration: number; depth: number }
  /** The camera switches to IR night mode (grey, brighter, foliage glows) and back. */
  | { kind: 'ir'; on: number; off: number }
  /** Rain streaks in front of the lens, all the time. */
  | { kind: 'rain'; density: number }
  /** A leafy branch swaying in the wind (the homeowner masks it). */
  | { kind: 'sway'; x: number; y: number; width: number; height: number; amplitude: number; period: number }
  /** The camera's auto-exposure hunting: the whole image brightens and darkens (slowly unless the wave says otherwise). */
  | { kind: 'exposure'; amplitude: number; period: number; curve?: ExposureCurve; wave?: ExposureWave; phase?: number }
  /** Small leaves blowing through the frame all the time, each `size` of the frame width across. */
  | { kind: 'leaves'; count: number; size: number; period: number; color: string };

export interface Scene {
  name: string;
  description: string;
  period: number;
  /** Overall brightness (1 = day, below 1 = dusk / night). */
  light: number;
  /** Sensor noise strength (ffmpeg noise filter, 0–100). */
  noise: number;
  objects: MovingObject[];
  nuisances: Nuisance[];
  /** The ignore masks a homeowner would draw on this camera. */
  ignoreMasks: Polygon[];
  /** The static shapes behind everything (the tuning scenes' porch when absent). */
  backdrop?: BackdropBox[];
  /** The backdrop's base colour (before `light`). */
  ground?: string;
}

export interface ScriptedEvent {
  label: string;
  start: number;
  end: number;
}

const PERSON = { width: 0.1, height: 0.45, top: 0.4, color: '0xd9c2a0' };
/** The tuning scenes' porch: a tree, a window, a door and a step. */
const PORCH: BackdropBox[] = [
  { x: 0.05, y: 0.1, w: 0.25, h: 0.35, color: '0x2e3a30', foliage: true },
  { x: 0.65, y: 0.05, w: 0.3, h: 0.25, color: '0x6d7a82' },
  { x: 0.4, y: 0.3, w: 0.12, h: 0.3, color: '0x7a5c40' },
  { x: 0, y: 0.85, w: 1, h: 0.15, color: '0x3b3026' },
];

/** A scene as written in a catalogue: anything left out takes the porch scene's default. */
export type SceneSpec = Partial<Scene> & Pick<Scene, 'name' | 'description'>;

function scene(s: SceneSpec): Scene {
  return { period: 30, light: 1, noise: 6, objects: [], nuisances: [], ignoreMasks: [], ...s };
}

const CATALOGUE: Scene[] = [
  scene({
    name: 'person-walks',
    description: 'A person walks across the porch',
    objects: [{ label: 'person', enter: 8, leave: 14, ...PERSON }],
  }),
  scene({
    name: 'small-animal',
    description: 'A cat trots across the lawn, low and small',
    objects: [{ label: 'animal', enter: 10, leave: 14, width: 0.06, height: 0.08, top: 0.78, color: '0xb08a60', direction: 'rtl' }],
  }),
  scene({
    name: 'car-passes',
    description: 'A car crosses the driveway fast (1.5 s)',
    objects: [{ label: 'car', enter: 18, leave: 19.5, width: 0.3, height: 0.22, top: 0.6, color: '0x8a1c1c' }],
  }),
  scene({
    name: 'night-walker',
    description: 'A slow walker at night, dim and grainy',
    light: 0.35,
    noise: 14,
    objects: [{ label: 'person', enter: 8, leave: 20, ...PERSON, color: '0x9a8f80' }],
  }),
  scene({
    name: 'lights-on',
    description: 'Dusk: a porch light switches on, later off again (nothing else happens)',
    light: 0.45,
    nuisances: [{ kind: 'lights', on: 8, off: 22, x: 0.55, y: 0.45, radius: 0.45, strength: 0.55 }],
  }),
  scene({
    name: 'cloud-shadow',
    description: 'A cloud shadow slides over the whole scene',
    nuisances: [{ kind: 'shadow', start: 6, duration: 9, depth: 0.45 }],
  }),
  scene({
    name: 'ir-switch',
    description: 'The camera switches to IR night mode (grey, brighter, foliage glows) and back',
    light: 0.5,
    nuisances: [{ kind: 'ir', on: 8, off: 20 }],
  }),
  scene({
    name: 'rain',
    description: 'Heavy rain streaks in front of the lens',
    nuisances: [{ kind: 'rain', density: 0.02 }],
  }),
  scene({
    name: 'masked-branch',
    description: 'A branch sways in the wind inside the ignore mask drawn over it',
    nuisances: [{ kind: 'sway', x: 0.72, y: 0.08, width: 0.2, height: 0.3, amplitude: 0.04, period: 1.7 }],
    ignoreMasks: [[[0.62, 0], [1, 0], [1, 0.5], [0.62, 0.5]]],
  }),
  scene({
    name: 'exposure-drift',
    description: "The camera's auto-exposure hunts: the image brightens and darkens slowly",
    nuisances: [{ kind: 'exposure', amplitude: 0.2, period: 10 }],
  }),
  scene({
    name: 'two-visitors',
    description: 'Two people pass 6 s apart (inside the retrigger time)',
    objects: [
      { label: 'person', enter: 6, leave: 11, ...PERSON },
      { label: 'person', enter: 17, leave: 22, ...PERSON, color: '0x5070a0', direction: 'rtl' },
    ],
  }),
  scene({
    name: 'person-in-lights',
    description: 'A person walks in just as a floodlight switches on',
    light: 0.45,
    objects: [{ label: 'person', enter: 9.6, leave: 15.6, ...PERSON }],
    nuisances: [{ kind: 'lights', on: 10, off: 24, x: 0.5, y: 0.5, radius: 0.5, strength: 0.55 }],
  }),
];

/**
 * The scene sets. `tuning`: the scenes the detector was developed on, its CI gate. `dev`:
 * variants made to tune issue 17's changes on, never scored as results. `heldout`: scenes of
 * the same kinds with other geometry, noise, timings and exposure behaviour, never tuned on;
 * their figures are the ones quoted as results.
 */
export type SceneSet = 'tuning' | 'dev' | 'heldout';
export const SCENE_SETS: readonly SceneSet[] = ['tuning', 'dev', 'heldout'];

const SETS: Record<SceneSet, Scene[]> = { tuning: CATALOGUE, dev: DEV_SCENES.map(scene), heldout: HELD_OUT_SCENES.map(scene) };

/** Every labelled scene of every set by name (names are unique across the sets). */
export const SCENES: Record<string, Scene> = Object.fromEntries(SCENE_SETS.flatMap((set) => SETS[set].map((s) => [s.name, s])));

export class SceneError extends Error {}

/** The names of one set's scenes (the tuning set's by default: the demo's and CI's scenes). */
export function sceneNames(set: SceneSet = 'tuning'): string[] {
  const scenes = SETS[set] as Scene[] | undefined;
  if (!scenes) throw new SceneError(`unknown scene set "${String(set)}" (known: ${SCENE_SETS.join(', ')})`);
  return scenes.map((s) => s.name);
}

const unknownScene = (name: string) =>
  new SceneError(`unknown simulator scene "${name}" (known: ${[...sceneNames(), ...FOOTAGE_SCENES.map((s) => s.name)].join(', ')}; and the dev-* and held-* sets)`);

/** A drawn scene (the scoring sets' scenes, rendered by ffmpeg from nothing). */
export function getScene(name: string): Scene {
  const found = SCENES[name];
  if (found) return found;
  if (FOOTAGE_SCENES.some((s) => s.name === name)) {
    throw new SceneError(`simulator scene "${name}" plays real footage: a camera can show it (source sim:${name}), but it is not one of the drawn scenes (known: ${sceneNames().join(', ')}; and the dev-* and held-* sets)`);
  }
  throw unknownScene(name);
}

/** Any scene a simulated camera can show: a drawn one, or one made from real footage (footageScenes.ts). */
export function getSimScene(name: string): Scene | FootageScene {
  const found = SCENES[name] ?? FOOTAGE_SCENES.find((s) => s.name === name);
  if (!found) throw unknownScene(name);
  return found;
}

/** True for a scene that plays a real video file. */
export function isFootageScene(s: Scene | FootageScene): s is FootageScene {
  return 'file' in s;
}

/** A scene with no real events: anything the detector reports on it is a false alarm. */
export function isNuisanceScene(s: Scene): boolean {
  return s.objects.length === 0;
}

/** Scripted events whose whole span lies within stream time [0, until) (a drawn scene's or a footage scene's). */
export function scriptedEvents(s: { period: number; objects: ReadonlyArray<{ label: string; enter: number; leave: number }> }, until: number): ScriptedEvent[] {
  const events: ScriptedEvent[] = [];
  for (let base = 0; base < until; base += s.period) {
    for (const o of s.objects) {
      const start = base + o.enter;
      const end = base + o.leave;
      if (end <= until) events.push({ label: o.label, start, end });
    }
  }
  return events.sort((a, b) => a.start - b.start);
}

function scaleColor(hex: string, k: number): string {
  const v = parseInt(hex.slice(2), 16);
  const c = [16, 8, 0].map((sh) => Math.min(255, Math.round(((v >> sh) & 0xff) * k)));
  return '0x' + c.map((x) => x.toString(16).padStart(2, '0')).join('');
}

const even = (v: number) => Math.max(2, Math.round(v / 2) * 2);

/**
 * Builds the lavfi graph: a static backdrop with a few shapes (so the frame has edges),
 * objects sliding across between their enter and leave times, nuisances, and temporal
 * sensor noise last (noise is in the sensor, after the light).
 */
export function sceneFilterGraph(s: Scene, width: number, height: number, fps: number): string {
  const P = s.period;
  const T = `mod(t,${P})`;
  const parts: string[] = [];
  let n = 0;
  let last = 'bg';
  const src = `s=${width}x${height}:r=${fps}`;
  const shade = (c: string) => scaleColor(c, s.light);
  const next = () => `v${n++}`;
  /** A soft-edged alpha blob: computed at low resolution with geq, then scaled up. */
  const blob = (color: string, w: number, h: number, alpha: string): string => {
    const label = next();
    parts.push(
      `color=c=${color}:s=64x36:r=${fps},format=yuva420p,` +
        `geq=lum='p(X,Y)':cb='p(X,Y)':cr='p(X,Y)':a='${alpha}',scale=${even(w)}:${even(h)}:flags=bilinear[${label}]`,
    );
    return label;
  };
  const overlay = (top: string, x: string, y: string | number, enable?: string) => {
    const out = next();
    parts.push(`[${last}][${top}]overlay=x='${x}':y='${y}':eval=frame${enable ? `:enable='${enable}'` : ''}:shortest=1[${out}]`);
    last = out;
  };
  const filter = (f: string) => {
    const out = next();
    parts.push(`[${last}]${f}[${out}]`);
    last = out;
  };

  const backdrop = s.backdrop ?? PORCH;
  parts.push(
    [`color=c=${shade(s.ground ?? '0x4a5a48')}:${src}`, ...backdrop.map((b) => `drawbox=x=iw*${b.x}:y=ih*${b.y}:w=iw*${b.w}:h=ih*${b.h}:color=${shade(b.color)}:t=fill`)].join(',') + '[bg]',
  );

  for (const nz of s.nuisances) {
    if (nz.kind !== 'sway') continue;
    const w = nz.width * width;
    const h = nz.height * height;
    const leaves = blob(shade('0x24301c'), w, h, '230*lt(hypot((X-32)/30,(Y-18)/16),1)');
    overlay(leaves, `${nz.x * width}+${nz.amplitude * width}*sin(2*PI*t/${nz.period})`, nz.y * height);
  }

  s.objects.forEach((o) => {
    const w = even(o.width * width);
    const h = even(o.height * height);
    let label: string;
    if (o.shape === 'blob') label = blob(shade(o.color), w, h, '255*lt(hypot((X-32)/31,(Y-18)/17),1)');
    else {
      label = next();
      parts.push(`color=c=${shade(o.color)}:s=${w}x${h}:r=${fps}[${label}]`);
    }
    const progress = `(${T}-${o.enter})/${o.leave - o.enter}`;
    const x = o.direction === 'rtl' ? `W-${progress}*(W+w)` : `${progress}*(W+w)-w`;
    const top = Math.round(o.top * height);
    const y = o.topEnd === undefined ? top : `${top}+${progress}*${Math.round((o.topEnd - o.top) * height)}`;
    overlay(label, x, y, `between(${T},${o.enter},${o.leave})`);
  });

  for (const nz of s.nuisances) {
    switch (nz.kind) {
      case 'lights': {
        const d = nz.radius * 2;
        const pool = blob('white', d * width, d * height, `${Math.round(255 * nz.strength)}*exp(-(pow((X-32)/20,2)+pow((Y-18)/11,2)))`);
        overlay(pool, `${(nz.x - nz.radius) * width}`, (nz.y - nz.radius) * height, `between(${T},${nz.on},${nz.off})`);
        break;
      }
      case 'shadow': {
        // A flat-topped shadow with a penumbra a third of its radius wide.
        const w = 1.2 * width;
        const h = 1.4 * height;
        const shadow = blob('black', w, h, `${Math.round(255 * nz.depth)}*clip((1-hypot((X-32)/32,(Y-18)/18))/0.35,0,1)`);
        const x = `(${T}-${nz.start})/${nz.duration}*(W+w)-w`;
        overlay(shadow, x, -0.2 * height, `between(${T},${nz.start},${nz.start + nz.duration})`);
        break;
      }
      case 'ir': {
        const on = `between(${T},${nz.on},${nz.off})`;
        for (const tree of backdrop.filter((b) => b.foliage)) {
          const glow = next();
          parts.push(`color=c=white@0.45:s=${even(tree.w * width)}x${even(tree.h * height)}:r=${fps},format=yuva420p[${glow}]`);
          overlay(glow, `${tree.x * width}`, tree.y * height, on);
        }
        filter(`hue=s=0:enable='${on}'`);
        filter(`eq=contrast=1.7:brightness=0.35:enable='${on}'`);
        break;
      }
      case 'exposure': {
        const phase = `(t/${nz.period}+${nz.phase ?? 0})`;
        // The wave runs from -1 to 1.
        const wave = { sine: `sin(2*PI*${phase})`, saw: `(2*mod(${phase},1)-1)`, steps: `(2*floor(4*mod(${phase},1))/3-1)` }[nz.wave ?? 'sine'];
        const k = `(1+${nz.amplitude}*${wave})`;
        // eq's contrast c with brightness (c-1)/2 multiplies luma by c (clipping at white).
        if ((nz.curve ?? 'gain') === 'gain') filter(`eq=contrast='${k}':brightness='(${k}-1)/2':eval=frame`);
        else if (nz.curve === 'gamma') filter(`eq=gamma='${k}':eval=frame`);
        else filter(`eq=brightness='${nz.amplitude}*${wave}':eval=frame`);
        break;
      }
      case 'leaves': {
        // Each leaf drifts down and across the frame on its own schedule, fluttering.
        for (let i = 0; i < nz.count; i++) {
          const leaf = blob(nz.color, nz.size * width, nz.size * 0.6 * width, '255*lt(hypot((X-32)/31,(Y-18)/17),1)');
          const u = `mod(t/${nz.period}+${(i / nz.count).toFixed(3)},1)`;
          const x = `W*(${((i * 0.37) % 1).toFixed(2)}+0.5*${u})-w/2+${(0.02 * width).toFixed(1)}*sin(7*t+${i})`;
          overlay(leaf, x, `H*(1.1*${u}-0.05)`);
        }
        break;
      }
      case 'rain': {
        const mask = next();
        const drops = next();
        // noise=alls=100 on grey spreads values uniformly over about 70–185.
        const cut = Math.round(185 - 115 * nz.density);
        parts.push(
          `color=c=gray:s=${even(width / 2)}x${even(height / 12)}:r=${fps},noise=alls=100:allf=t+u,format=gray,` +
            `lut=c0='if(gt(val,${cut}),170,0)',scale=${width}:${height}:flags=neighbor[${mask}]`,
        );
        parts.push(`color=c=0xd8d8d8:${src},format=yuva420p[${drops}0];[${drops}0][${mask}]alphamerge[${drops}]`);
        overlay(drops, '0', 0);
        break;
      }
      case 'sway':
        break;
    }
  }
  parts.push(`[${last}]noise=alls=${s.noise}:allf=t,format=yuv420p`);
  return parts.join(';');
}
