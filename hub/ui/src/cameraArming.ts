import type { ArmingDecision, CameraDecision } from '../../../common/api/arming';
import { describeArmedIn, withArmedIn, ARMABLE_MODES, type ArmableMode } from '../../../common/armedIn';
import { api } from './api';
import { el, fail, say } from './dom';

/*
 * A camera's recording switches on the Cameras page, for the people who may change the arming:
 * its motion switch, and the armed modes it records in ("Records when armed: Home / Away").
 * Each change is sent at once and the box shows what the hub answered, not what was clicked.
 */

const MODE_WORDS: Record<ArmableMode, string> = { armed_home: 'Home', armed_away: 'Away' };

/**
 * The cell's content for one camera. `area` shows the confirmation or the refusal; `changed`
 * runs after the hub took a change, with the id of the box used (the page redraws and puts
 * the focus back on it: disabled while sending, it lost the focus).
 */
export function cameraArmingControls(camera: { id: string; name: string }, state: CameraDecision, area: HTMLElement, changed: (usedId: string) => void): HTMLElement {
  const boxes = ARMABLE_MODES.map((mode) =>
    el('input', { type: 'checkbox', id: `armed-in-${mode}-${camera.id}`, checked: state.armedIn.includes(mode), 'data-armed-in': mode }),
  );
  const motion = el('input', { type: 'checkbox', role: 'switch', id: `motion-${camera.id}`, checked: state.motion, 'aria-describedby': `motion-${camera.id}-state` });
  const motionState = el('span', { id: `motion-${camera.id}-state`, className: 'muted', textContent: state.motion ? 'on' : 'off' });
  const all = [...boxes, motion];

  /** Sends one change; on a refusal the boxes go back to what the hub holds. */
  async function send(used: HTMLInputElement, url: string, body: unknown, done: (d: ArmingDecision) => string): Promise<void> {
    for (const b of all) b.disabled = true;
    try {
      const d = await api<ArmingDecision>('PUT', url, body);
      say(area, done(d));
      changed(used.id);
    } catch (err) {
      boxes.forEach((b, i) => { b.checked = state.armedIn.includes(ARMABLE_MODES[i]!); });
      motion.checked = state.motion;
      fail(area, err);
    } finally {
      for (const b of all) b.disabled = false;
    }
    if (!document.activeElement || document.activeElement === document.body) used.focus();
  }

  boxes.forEach((box, i) => {
    const mode = ARMABLE_MODES[i]!;
    box.addEventListener('change', () => {
      const modes = withArmedIn(state.armedIn, mode, box.checked);
      void send(box, `/api/cameras/${camera.id}/armed-in`, { modes }, (d) => `${camera.name} records when armed: ${describeArmedIn(d.cameras[camera.id]?.armedIn ?? modes)}`);
    });
  });
  motion.addEventListener('change', () => {
    void send(motion, `/api/cameras/${camera.id}/motion`, { on: motion.checked }, (d) => `${camera.name}: motion ${d.cameras[camera.id]?.motion ? 'on' : 'off'}`);
  });

  return el(
    'div',
    { className: 'camera-arming' },
    el(
      'fieldset',
      { className: 'armed-in' },
      el('legend', { textContent: 'Records when armed:' }),
      ...boxes.map((b, i) => el('span', { className: 'check' }, b, el('label', { htmlFor: b.id, textContent: MODE_WORDS[ARMABLE_MODES[i]!] }))),
    ),
    el('span', { className: 'check' }, motion, el('label', { htmlFor: motion.id, textContent: 'Motion' }), motionState),
  );
}
