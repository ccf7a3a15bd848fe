import type { BackdropBox, SceneSpec } from './scenes';

/*
 * Development scenes (issue 17): variants of the nuisances and events the detector failed on
 * in an independent test — slow exposure hunting, tone-curve changes, a person walking in
 * during one, a small animal, blowing leaves — on a third camera layout. The detector's
 * issue-17 changes were tuned on these and the tuning set; they are not results. The
 * held-out set (heldOutScenes.ts) is.
 */

/** A back garden: shed, fence panels, a flower bed, a tree. */
const GARDEN: BackdropBox[] = [
  { x: 0, y: 0, w: 1, h: 0.3, color: '0x8fa0ad' },
  { x: 0, y: 0.3, w: 1, h: 0.12, color: '0x6b5033' },
  { x: 0.7, y: 0.05, w: 0.22, h: 0.45, color: '0x556048' },
  { x: 0.72, y: 0.1, w: 0.18, h: 0.3, color: '0x2a3a22', foliage: true },
  { x: 0.1, y: 0.15, w: 0.2, h: 0.3, color: '0x8c7a66' },
  { x: 0.15, y: 0.2, w: 0.06, h: 0.1, color: '0x303840' },
  { x: 0.35, y: 0.8, w: 0.4, h: 0.08, color: '0x4f3a2a' },
];
const SCENE = { backdrop: GARDEN, ground: '0x52663f', period: 36, noise: 7 };

export const DEV_SCENES: SceneSpec[] = [
  {
    ...SCENE,
    name: 'dev-exposure-slow',
    description: 'Gain ±25 % on an 18 s cycle',
    nuisances: [{ kind: 'exposure', amplitude: 0.25, period: 18 }],
  },
  {
    ...SCENE,
    name: 'dev-exposure-deep',
    description: 'Gain ±40 % on a 24 s cycle (highlights clip)',
    nuisances: [{ kind: 'exposure', amplitude: 0.4, period: 24 }],
  },
  {
    ...SCENE,
    name: 'dev-exposure-gamma',
    description: 'Gamma 0.7–1.3 on a 10 s cycle',
    nuisances: [{ kind: 'exposure', amplitude: 0.3, period: 10, curve: 'gamma' }],
  },
  {
    ...SCENE,
    name: 'dev-exposure-steps',
    description: 'Gain in a staircase, ±20 % every 8 s',
    nuisances: [{ kind: 'exposure', amplitude: 0.2, period: 8, wave: 'steps' }],
  },
  {
    ...SCENE,
    name: 'dev-exposure-offset',
    description: 'Brightness offset ramps ±0.1 over 15 s, then snaps back',
    nuisances: [{ kind: 'exposure', amplitude: 0.1, period: 15, curve: 'offset', wave: 'saw' }],
  },
  {
    ...SCENE,
    name: 'dev-exposure-fast',
    description: 'Gain ±20 % on a 3 s cycle',
    nuisances: [{ kind: 'exposure', amplitude: 0.2, period: 3 }],
  },
  {
    ...SCENE,
    name: 'dev-walker-in-drift',
    description: 'A walker crosses during a ±35 % gain hunt on a 12 s cycle',
    objects: [{ label: 'person', enter: 10, leave: 17, width: 0.09, height: 0.42, top: 0.4, color: '0x8a7060', direction: 'rtl' }],
    nuisances: [{ kind: 'exposure', amplitude: 0.35, period: 12, phase: 0.1 }],
  },
  {
    ...SCENE,
    name: 'dev-walker-in-gamma',
    description: 'A walker crosses during a gamma hunt',
    objects: [{ label: 'person', enter: 20, leave: 26, width: 0.1, height: 0.45, top: 0.38, color: '0x40506a' }],
    nuisances: [{ kind: 'exposure', amplitude: 0.3, period: 9, curve: 'gamma' }],
  },
  {
    ...SCENE,
    name: 'dev-hedgehog',
    description: 'A small animal (about 0.35 % of the frame) crosses the flower bed',
    objects: [{ label: 'animal', enter: 12, leave: 18, width: 0.065, height: 0.055, top: 0.78, color: '0x7a6048', shape: 'blob' }],
  },
  {
    ...SCENE,
    name: 'dev-cat-far',
    description: 'A small cat (about 0.3 % of the frame) walks along the fence',
    objects: [{ label: 'animal', enter: 5, leave: 13, width: 0.06, height: 0.05, top: 0.33, color: '0xd0c8b8', shape: 'blob', direction: 'rtl' }],
  },
  {
    ...SCENE,
    name: 'dev-leaves',
    description: 'Five small leaves blowing through the frame',
    nuisances: [{ kind: 'leaves', count: 5, size: 0.02, period: 6, color: '0xa08040' }],
  },
  {
    ...SCENE,
    name: 'dev-leaves-big',
    description: 'Four larger leaves (about 0.1 % of the frame) blowing through',
    nuisances: [{ kind: 'leaves', count: 4, size: 0.03, period: 8, color: '0x705a28' }],
  },
  {
    ...SCENE,
    name: 'dev-lamp-night',
    description: 'Night: a lamp switches on and off',
    light: 0.35,
    noise: 12,
    nuisances: [{ kind: 'lights', on: 7, off: 25, x: 0.3, y: 0.4, radius: 0.35, strength: 0.65 }],
  },
  {
    ...SCENE,
    name: 'dev-ir',
    description: 'IR night mode on and off in the garden',
    light: 0.4,
    nuisances: [{ kind: 'ir', on: 9, off: 24 }],
  },
];
