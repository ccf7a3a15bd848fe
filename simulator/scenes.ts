/*
 * Simulated camera scenes: ffmpeg lavfi filter graphs (no downloads) with scripted moving
 * objects, and the ground truth of when each object is in view. A scene repeats every
 * `period` seconds, so a demo can run for as long as it likes.
 */

export interface ScriptedObject {
  /** Seconds into each period when the object enters the frame. */
  enter: number;
  /** Seconds into each period when it has left the frame. */
  leave: number;
  /** Size as a fraction of the frame. */
  width: number;
  height: number;
  /** Vertical position of the object's top as a fraction of the frame. */
  top: number;
  color: string;
  label: string;
}

export interface Scene {
  name: string;
  description: string;
  period: number;
  background: string;
  /** Sensor noise strength (ffmpeg noise filter, 0–100). */
  noise: number;
  objects: ScriptedObject[];
}

export interface ScriptedEvent {
  label: string;
  start: number;
  end: number;
}

export const SCENES: Record<string, Scene> = {
  porch: {
    name: 'porch',
    description: 'A front porch; a person walks across every 30 s',
    period: 30,
    background: '0x4a5a48',
    noise: 6,
    objects: [{ enter: 8, leave: 14, width: 0.1, height: 0.45, top: 0.4, color: '0xd9c2a0', label: 'person' }],
  },
  driveway: {
    name: 'driveway',
    description: 'A driveway; a car drives past quickly every 30 s',
    period: 30,
    background: '0x5b5b60',
    noise: 6,
    objects: [{ enter: 18, leave: 21, width: 0.3, height: 0.22, top: 0.6, color: '0x8a1c1c', label: 'car' }],
  },
};

export class SceneError extends Error {}

export function getScene(name: string): Scene {
  const scene = SCENES[name];
  if (!scene) throw new SceneError(`unknown simulator scene "${name}" (known: ${Object.keys(SCENES).join(', ')})`);
  return scene;
}

/** Scripted events whose whole span lies within stream time [0, until). */
export function scriptedEvents(scene: Scene, until: number): ScriptedEvent[] {
  const events: ScriptedEvent[] = [];
  for (let base = 0; base < until; base += scene.period) {
    for (const o of scene.objects) {
      const start = base + o.enter;
      const end = base + o.leave;
      if (end <= until) events.push({ label: o.label, start, end });
    }
  }
  return events;
}

/**
 * The lavfi graph that renders the scene: a static background with a few fixed shapes
 * (so the frame has edges), each object sliding from off-frame left to off-frame right
 * between its enter and leave times, and temporal sensor noise on top.
 */
export function sceneFilterGraph(scene: Scene, width: number, height: number, fps: number): string {
  const parts: string[] = [];
  parts.push(
    `color=c=${scene.background}:s=${width}x${height}:r=${fps},` +
      `drawbox=x=iw*0.05:y=ih*0.1:w=iw*0.25:h=ih*0.35:color=0x2e3a30:t=fill,` +
      `drawbox=x=iw*0.65:y=ih*0.05:w=iw*0.3:h=ih*0.25:color=0x6d7a82:t=fill,` +
      `drawbox=x=0:y=ih*0.85:w=iw:h=ih*0.15:color=0x3b3026:t=fill[bg0]`,
  );
  let last = 'bg0';
  scene.objects.forEach((o, i) => {
    const w = Math.max(2, Math.round((o.width * width) / 2) * 2);
    const h = Math.max(2, Math.round((o.height * height) / 2) * 2);
    const phase = `mod(t,${scene.period})`;
    const x = `(${phase}-${o.enter})/${o.leave - o.enter}*(W+w)-w`;
    parts.push(`color=c=${o.color}:s=${w}x${h}:r=${fps}[obj${i}]`);
    parts.push(
      `[${last}][obj${i}]overlay=x='${x}':y=${Math.round(o.top * height)}:eval=frame:` +
        `enable='between(${phase},${o.enter},${o.leave})':shortest=1[bg${i + 1}]`,
    );
    last = `bg${i + 1}`;
  });
  parts.push(`[${last}]noise=alls=${scene.noise}:allf=t,format=yuv420p`);
  return parts.join(';');
}
