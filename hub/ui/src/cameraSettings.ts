import type { CameraSettingsView, DetectionSettings, NumberBound, NumericSetting } from '../../../common/api/cameraSettings';
import type { ObjectLabel } from '../../../common/detection';
import { api, ApiError } from './api';
import { el, onSubmit, panel, say } from './dom';
import { ago } from './format';
import { ZoneEditor } from './zoneEditor';

/*
 * One camera's settings: what counts as motion (sensitivity, smallest object, zones and ignore
 * masks drawn on its picture) and how clips are cut (length, retrigger, pre/post-roll, ending
 * early), and what the hub's object detector looks for and alerts on. The bounds come from
 * the hub, which has them from the config schema.
 */

export interface CameraRef {
  id: string;
  name: string;
}

/** Four decimals at most: 0.25 % stays 0.25, not 0.25000000000000006. */
const tidy = (n: number): number => Math.round(n * 10000) / 10000;

/** How each number is shown: its label, its hint, and the factor between the page and the API. */
const FIELDS: Array<{ key: NumericSetting; label: string; hint: (b: NumberBound) => string; scale: number; step: number }> = [
  { key: 'sensitivity', label: 'Sensitivity', hint: (b) => `${b.min} = only large, clear motion; ${b.max} = the faintest change.`, scale: 1, step: 1 },
  { key: 'minObjectSize', label: 'Smallest object (% of the picture)', hint: (b) => `Moving things smaller than this are ignored: ${tidy(b.min * 100)}% to ${tidy(b.max * 100)}%. A person across a driveway is about 1%.`, scale: 100, step: 0.01 },
  { key: 'clipSeconds', label: 'Clip length (seconds)', hint: (b) => `${b.min} to ${b.max}. Longer motion goes on in a new clip.`, scale: 1, step: 1 },
  { key: 'retriggerSeconds', label: 'Retrigger time (seconds)', hint: (b) => `${b.min} to ${b.max}. Motion this soon after the last is recorded but sends no new alert.`, scale: 1, step: 1 },
  { key: 'preRollSeconds', label: 'Pre-roll (seconds)', hint: (b) => `${b.min} to ${b.max}. Video kept from before the motion started.`, scale: 1, step: 0.5 },
  { key: 'postRollSeconds', label: 'Post-roll (seconds)', hint: (b) => `${b.min} to ${b.max}. Video kept after the motion stopped.`, scale: 1, step: 0.5 },
];

/** The detector's classes as the page names them (the page carries no copy of the schema's list). */
const CLASSES: Array<{ label: ObjectLabel; plural: string; one: string }> = [
  { label: 'person', plural: 'People', one: 'a person' },
  { label: 'vehicle', plural: 'Vehicles', one: 'a vehicle' },
  { label: 'animal', plural: 'Animals', one: 'an animal' },
];

interface ClassInputs {
  detect: HTMLInputElement;
  alert: HTMLInputElement;
  score: HTMLInputElement;
  hint: HTMLParagraphElement;
}

export class CameraSettingsPanel {
  readonly element: HTMLDivElement;
  private readonly heading: HTMLHeadingElement;
  private readonly state: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly inputs = new Map<NumericSetting, HTMLInputElement>();
  private readonly hints = new Map<NumericSetting, HTMLParagraphElement>();
  private readonly endEarly: HTMLInputElement;
  private readonly audio: HTMLInputElement;
  private readonly classes = new Map<ObjectLabel, ClassInputs>();
  private readonly recordWithoutObject: HTMLInputElement;
  private readonly zones: ZoneEditor;
  private readonly pictureNote: HTMLParagraphElement;
  private readonly refresh: HTMLButtonElement;
  private camera: CameraRef | null = null;
  private version = 0;
  private picture = false;
  private loadSeq = 0;

  constructor(private readonly onClose: () => void) {
    this.heading = el('h3', { tabIndex: -1, id: 'camera-settings-title' });
    this.state = el('p', { className: 'muted', id: 'camera-settings-state' });
    const numbers = el('fieldset', {}, el('legend', { textContent: 'Motion and clips' }));
    for (const f of FIELDS) {
      const id = `cs-${f.key}`;
      const input = el('input', { type: 'number', id, name: f.key, required: true, step: f.step, inputMode: f.step < 1 ? 'decimal' : 'numeric', 'aria-describedby': `${id}-hint` });
      const hint = el('p', { className: 'muted', id: `${id}-hint` });
      this.inputs.set(f.key, input);
      this.hints.set(f.key, hint);
      numbers.append(el('div', { className: 'field' }, el('label', { htmlFor: id, textContent: f.label }), input, hint));
    }
    this.endEarly = el('input', { type: 'checkbox', id: 'cs-endEarly', name: 'endEarly', 'aria-describedby': 'cs-endEarly-hint' });
    this.audio = el('input', { type: 'checkbox', id: 'cs-audio', name: 'audio', 'aria-describedby': 'cs-audio-hint' });
    numbers.append(
      el('div', { className: 'check' }, this.endEarly, el('label', { htmlFor: 'cs-endEarly', textContent: 'End the clip early when motion stops' })),
      el('p', { className: 'muted', id: 'cs-endEarly-hint', textContent: 'After the post-roll, instead of always recording the full clip length.' }),
      el('div', { className: 'check' }, this.audio, el('label', { htmlFor: 'cs-audio', textContent: 'Record sound' })),
      el('p', { className: 'muted', id: 'cs-audio-hint', textContent: "The camera's microphone, in clips and live view, when the camera has one. Off: clips are silent." }),
    );

    const objects = el(
      'fieldset',
      { id: 'cs-detection' },
      el('legend', { textContent: 'Object detection' }),
      el('p', { className: 'muted', id: 'cs-detection-hint', textContent: 'The hub looks for these in what moves. Alerts say what was seen ("Person at the porch"); motion with nothing detected does not alert. Zones apply to where an object stands (the bottom of its box).' }),
    );
    for (const c of CLASSES) {
      const id = `cs-${c.label}`;
      const detect = el('input', { type: 'checkbox', id: `${id}-detect`, name: `detect-${c.label}` });
      const alert = el('input', { type: 'checkbox', id: `${id}-alert`, name: `alert-${c.label}` });
      const score = el('input', { type: 'number', id: `${id}-minScore`, name: `minScore-${c.label}`, required: true, step: 0.01, inputMode: 'decimal', 'aria-describedby': `${id}-minScore-hint` });
      const hint = el('p', { className: 'muted', id: `${id}-minScore-hint` });
      // Alerting on a class needs detecting it: the hub refuses the one without the other.
      detect.addEventListener('change', () => this.syncClass(c.label));
      this.classes.set(c.label, { detect, alert, score, hint });
      objects.append(
        el(
          'fieldset',
          { className: 'detection-class' },
          el('legend', { textContent: c.plural }),
          el('div', { className: 'check' }, detect, el('label', { htmlFor: detect.id, textContent: `Detect ${c.plural.toLowerCase()}` })),
          el('div', { className: 'check' }, alert, el('label', { htmlFor: alert.id, textContent: `Alert on ${c.plural.toLowerCase()}` })),
          el('div', { className: 'field' }, el('label', { htmlFor: score.id, textContent: `Minimum score for ${c.one}` }), score, hint),
        ),
      );
    }
    this.recordWithoutObject = el('input', { type: 'checkbox', id: 'cs-recordWithoutObject', name: 'recordWithoutObject', 'aria-describedby': 'cs-recordWithoutObject-hint' });
    objects.append(
      el('div', { className: 'check' }, this.recordWithoutObject, el('label', { htmlFor: 'cs-recordWithoutObject', textContent: 'Record motion with nothing detected' })),
      el('p', { className: 'muted', id: 'cs-recordWithoutObject-hint', textContent: 'Kept as a clip without an alert. Off: only clips with a person, vehicle or animal are kept. With no class detected, every motion alerts as plain motion.' }),
    );

    this.zones = new ZoneEditor('zones');
    this.pictureNote = el('p', { className: 'muted', id: 'zones-picture-note' });
    this.refresh = el('button', { type: 'button', id: 'zones-refresh', textContent: 'Take a new picture' });
    this.refresh.addEventListener('click', () => void this.loadPicture());
    const drawing = el('fieldset', { className: 'zones-fieldset' }, el('legend', { textContent: 'Zones and ignore masks' }), this.pictureNote, this.refresh, this.zones.element);

    const save = el('button', { type: 'submit', id: 'cs-save', textContent: 'Save settings' });
    const close = el('button', { type: 'button', id: 'cs-close', textContent: 'Close' });
    close.addEventListener('click', () => this.close());
    this.form = el('form', { id: 'camera-settings-form', className: 'settings-form' }, numbers, objects, drawing, el('div', { className: 'actions' }, save, close));
    onSubmit(this.form, () => this.save());

    this.element = panel('', this.state, this.form);
    this.element.id = 'camera-settings';
    this.element.hidden = true;
    // panel() made an empty h3: this one is focusable and named for the camera.
    this.element.querySelector('h3')?.replaceWith(this.heading);
  }

  get openFor(): string | null {
    return this.element.hidden ? null : (this.camera?.id ?? null);
  }

  /** Shows `camera`'s settings; `picture`: this user may see footage (an installer may not). */
  async open(camera: CameraRef, picture: boolean): Promise<void> {
    this.camera = camera;
    this.picture = picture;
    this.heading.textContent = `Settings for ${camera.name}`;
    this.element.hidden = false;
    say(this.form, '');
    say(this.element, '');
    this.zones.note('');
    this.heading.focus();
    const seq = ++this.loadSeq;
    try {
      const view = await api<CameraSettingsView>('GET', `/api/cameras/${camera.id}/settings`);
      if (seq !== this.loadSeq) return;
      this.fill(view);
    } catch (err) {
      if (seq === this.loadSeq) throw err;
    }
    void this.loadPicture();
  }

  close(): void {
    this.loadSeq++;
    this.zones.clearPicture();
    this.element.hidden = true;
    this.camera = null;
    this.onClose();
  }

  /** Leaving the page: drop the picture (it is footage) but keep nothing running. */
  leave(): void {
    if (!this.element.hidden) this.close();
  }

  private fill(view: CameraSettingsView): void {
    this.version = view.version;
    for (const f of FIELDS) {
      const b = view.limits.bounds[f.key];
      const input = this.inputs.get(f.key)!;
      input.min = String(tidy(b.min * f.scale));
      input.max = String(tidy(b.max * f.scale));
      input.value = String(tidy(view.settings[f.key] * f.scale));
      this.hints.get(f.key)!.textContent = f.hint(b);
    }
    this.endEarly.checked = view.settings.endEarly;
    this.audio.checked = view.settings.audio;
    this.fillDetection(view.settings.detection, view.limits.minScore);
    this.zones.set(view.settings.zones, view.settings.ignoreMasks, view.limits);
    this.describe(view);
  }

  private fillDetection(d: DetectionSettings, bound: NumberBound): void {
    for (const [label, inputs] of this.classes) {
      inputs.detect.checked = d.classes.includes(label);
      inputs.alert.checked = d.alertOn.includes(label);
      inputs.score.min = String(bound.min);
      inputs.score.max = String(bound.max);
      inputs.score.value = String(d.minScore[label]);
      inputs.hint.textContent = `${bound.min} to ${bound.max}. Higher: fewer false alerts, but more missed.`;
      this.syncClass(label);
    }
    this.recordWithoutObject.checked = d.recordWithoutObject;
  }

  /** A class that is not detected cannot alert: its alert box is cleared and held off. */
  private syncClass(label: ObjectLabel): void {
    const inputs = this.classes.get(label)!;
    inputs.alert.disabled = !inputs.detect.checked;
    if (!inputs.detect.checked) inputs.alert.checked = false;
  }

  private detectionValue(): DetectionSettings {
    const picked = (which: 'detect' | 'alert') => CLASSES.map((c) => c.label).filter((label) => this.classes.get(label)![which].checked);
    const score = (label: ObjectLabel) => Number(this.classes.get(label)!.score.value);
    return {
      classes: picked('detect'),
      alertOn: picked('alert'),
      minScore: { person: score('person'), vehicle: score('vehicle'), animal: score('animal') },
      recordWithoutObject: this.recordWithoutObject.checked,
    };
  }

  private describe(view: CameraSettingsView): void {
    const where = view.online ? `${view.name} is online.` : `${view.name} is offline: it gets saved settings when it reconnects.`;
    const when = view.saved ? ` Last saved ${ago(view.updatedAt)} by ${(view.updatedBy ?? '').replace(/^user:/, '')}.` : ` ${view.name} runs on its own configuration file until you save here; the values shown are the defaults.`;
    this.state.textContent = where + when;
  }

  private async loadPicture(): Promise<void> {
    const camera = this.camera;
    if (!camera) return;
    if (!this.picture) {
      this.refresh.hidden = true;
      this.pictureNote.textContent = 'Installers never see footage, so there is no picture here: draw on the grid, which stands for the whole picture.';
      this.zones.showPicture(null, '');
      return;
    }
    this.refresh.hidden = false;
    this.refresh.disabled = true;
    this.pictureNote.textContent = `Asking ${camera.name} for a picture…`;
    const seq = this.loadSeq;
    try {
      const res = await fetch(`/api/cameras/${camera.id}/snapshot`, { credentials: 'same-origin', headers: { accept: 'image/jpeg' } });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
        throw new ApiError(body.error?.message ?? `the picture could not be loaded (HTTP ${res.status})`, body.error?.code ?? '', res.status);
      }
      const blob = await res.blob();
      if (seq !== this.loadSeq || this.camera !== camera) return;
      this.zones.showPicture(URL.createObjectURL(blob), `Current picture from ${camera.name}`);
      this.pictureNote.textContent = `The picture ${camera.name} sees now. Draw on it; the shapes cover the same part of every frame.`;
    } catch (err) {
      if (seq !== this.loadSeq) return;
      this.zones.showPicture(null, '');
      this.pictureNote.textContent = 'No picture: draw on the grid, which stands for the whole picture.';
      this.zones.problem(err);
    } finally {
      this.refresh.disabled = false;
    }
  }

  private async save(): Promise<void> {
    const camera = this.camera;
    if (!camera) return;
    if (this.zones.drawing) throw new Error('finish or cancel the shape you are drawing first');
    const body: Record<string, unknown> = { version: this.version, endEarly: this.endEarly.checked, audio: this.audio.checked, detection: this.detectionValue(), ...this.zones.value() };
    for (const f of FIELDS) body[f.key] = tidy(Number(this.inputs.get(f.key)!.value) / f.scale);
    const view = await api<CameraSettingsView>('PUT', `/api/cameras/${camera.id}/settings`, body);
    this.version = view.version;
    this.describe(view);
    say(this.form, view.delivered ? `Saved. ${camera.name} uses the new settings now` : `Saved. ${camera.name} is offline: it gets the new settings when it reconnects`);
  }
}
