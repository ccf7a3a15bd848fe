import type { Point, SettingLimits } from '../../../common/api/cameraSettings';
import { el, fail, say } from './dom';

/*
 * Zones and ignore masks drawn as polygons over the camera's current picture (or a plain grid
 * when there is no picture to show: installers never see footage). Corners are fractions of
 * the frame, 0,0 top left, exactly as the camera's detector reads them. The pointer draws and
 * drags corners; the list under the picture does everything the pointer does, with numbers,
 * for the keyboard and screen readers. Masks are hatched and dashed, zones plain and solid,
 * and every shape is labelled in words: never told apart by colour alone.
 */

export type { Point };
type Kind = 'zone' | 'mask';
interface Shape {
  kind: Kind;
  points: Point[];
}

/** The shape limits of the camera settings (the number bounds are the form's). */
export type ZoneLimits = Omit<SettingLimits, 'bounds' | 'minScore'>;

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEIGHT = 1000;
const NOUN: Record<Kind, string> = { zone: 'Zone', mask: 'Ignore mask' };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, ...children: Array<SVGElement | string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

const round = (n: number): number => Math.round(Math.min(1, Math.max(0, n)) * 10000) / 10000;
const percent = (n: number): string => String(Math.round(n * 1000) / 10);

export class ZoneEditor {
  readonly element: HTMLDivElement;
  private shapes: Shape[] = [];
  private draft: Point[] | null = null;
  private drawKind: Kind = 'mask';
  private aspect = 16 / 9;
  private dragging: { shape: number; point: number; moved: boolean } | null = null;
  private justDragged = false;
  private pictureUrl: string | null = null;
  private readonly stage: HTMLDivElement;
  private readonly picture: HTMLImageElement;
  private readonly overlay: SVGSVGElement;
  private readonly layer: SVGGElement;
  private readonly list: HTMLOListElement;
  private readonly draftControls: HTMLDivElement;
  private readonly finishButton: HTMLButtonElement;
  private readonly undoButton: HTMLButtonElement;
  private readonly hint: HTMLParagraphElement;
  private readonly messages: HTMLDivElement;
  private readonly summary: HTMLParagraphElement;
  private limits: ZoneLimits = { maxShapes: 8, maxCorners: 32, minCorners: 3 };

  constructor(private readonly prefix: string) {
    this.picture = el('img', { className: 'zone-picture', alt: '', hidden: true });
    this.layer = svg('g');
    const hatch = svg(
      'pattern',
      { id: `${prefix}-hatch`, patternUnits: 'userSpaceOnUse', width: 24, height: 24, patternTransform: 'rotate(45)' },
      svg('rect', { width: 24, height: 24, class: 'hatch-back' }),
      svg('rect', { width: 8, height: 24, class: 'hatch-line' }),
    );
    this.overlay = svg('svg', { class: 'zone-overlay', viewBox: `0 0 ${HEIGHT * this.aspect} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': '' }, svg('defs', {}, hatch), this.layer);
    this.stage = el('div', { className: 'zone-stage grid' }, this.picture);
    this.stage.append(this.overlay);
    this.summary = el('p', { className: 'muted', id: `${prefix}-summary` });

    const kindName = `${prefix}-kind`;
    const kindRadio = (kind: Kind, label: string) => {
      const input = el('input', { type: 'radio', name: kindName, id: `${prefix}-kind-${kind}`, value: kind, checked: kind === this.drawKind, defaultChecked: kind === this.drawKind });
      input.addEventListener('change', () => {
        if (!input.checked) return;
        this.drawKind = kind;
        this.renderHint();
        this.render();
      });
      return el('span', { className: 'check' }, input, el('label', { htmlFor: input.id, textContent: label }));
    };
    const kinds = el('fieldset', { className: 'zone-kinds' }, el('legend', { textContent: 'Draw' }), kindRadio('mask', 'Ignore mask: motion here never counts'), kindRadio('zone', 'Zone: motion counts only inside zones'));

    this.hint = el('p', { className: 'muted', id: `${prefix}-hint` });
    this.finishButton = el('button', { type: 'button', id: `${prefix}-finish`, textContent: 'Finish shape' });
    this.undoButton = el('button', { type: 'button', textContent: 'Undo last corner' });
    const cancel = el('button', { type: 'button', textContent: 'Cancel shape' });
    this.finishButton.addEventListener('click', () => this.finishDraft());
    this.undoButton.addEventListener('click', () => {
      this.draft?.pop();
      if (this.draft?.length === 0) this.draft = null;
      this.afterDraftChange();
    });
    cancel.addEventListener('click', () => {
      this.draft = null;
      this.afterDraftChange();
    });
    this.draftControls = el('div', { className: 'actions' }, this.finishButton, this.undoButton, cancel);

    const legend = el(
      'ul',
      { className: 'legend', 'aria-label': 'Legend' },
      el('li', {}, el('span', { className: 'swatch zone-swatch', 'aria-hidden': 'true' }), 'Zone (solid outline): motion counts only inside zones; with none, the whole picture counts'),
      el('li', {}, el('span', { className: 'swatch mask-swatch', 'aria-hidden': 'true' }), 'Ignore mask (hatched, dashed outline): motion here never counts'),
    );

    const addZone = el('button', { type: 'button', textContent: 'Add a zone' });
    const addMask = el('button', { type: 'button', textContent: 'Add an ignore mask' });
    addZone.addEventListener('click', () => this.addRectangle('zone'));
    addMask.addEventListener('click', () => this.addRectangle('mask'));
    this.list = el('ol', { className: 'zone-list', id: `${prefix}-list` });
    this.messages = el('div', { className: 'zone-messages' });

    this.element = el(
      'div',
      { className: 'zone-editor' },
      kinds,
      this.hint,
      this.stage,
      this.messages,
      this.draftControls,
      legend,
      el('h4', { textContent: 'Shapes, corner by corner' }),
      el('p', { className: 'muted', textContent: 'Positions are percent of the picture: across from the left edge, down from the top. Add a shape here to edit it without a pointer.' }),
      el('div', { className: 'actions' }, addZone, addMask),
      this.summary,
      this.list,
    );
    // The message lines live in their own box so say()/fail() do not disturb the form's.
    say(this.messages, '');

    this.overlay.addEventListener('pointerdown', (e) => this.pointerDown(e));
    this.overlay.addEventListener('pointermove', (e) => this.pointerMove(e));
    this.overlay.addEventListener('pointerup', (e) => this.pointerUp(e));
    this.overlay.addEventListener('pointercancel', (e) => this.pointerUp(e));
    this.overlay.addEventListener('click', (e) => this.click(e));
    this.overlay.addEventListener('dblclick', (e) => this.doubleClick(e));
    this.picture.addEventListener('load', () => {
      if (this.picture.naturalWidth && this.picture.naturalHeight) this.aspect = this.picture.naturalWidth / this.picture.naturalHeight;
      this.overlay.setAttribute('viewBox', `0 0 ${HEIGHT * this.aspect} ${HEIGHT}`);
      this.render();
    });
    window.addEventListener('resize', () => {
      if (this.element.isConnected) this.render();
    });
    this.renderHint();
    this.render();
  }

  /** Loads shapes (API form: zones and ignore masks as lists of [x, y]). */
  set(zones: Point[][], ignoreMasks: Point[][], limits: ZoneLimits): void {
    this.limits = limits;
    this.shapes = [...zones.map((p) => ({ kind: 'zone' as const, points: p.map(([x, y]) => [x, y] as Point) })), ...ignoreMasks.map((p) => ({ kind: 'mask' as const, points: p.map(([x, y]) => [x, y] as Point) }))];
    this.draft = null;
    this.afterDraftChange();
    this.renderList();
  }

  /** The shapes as the API takes them; numbered in the same order as the hub's messages name them. */
  value(): { zones: Point[][]; ignoreMasks: Point[][] } {
    const of = (kind: Kind) => this.shapes.filter((s) => s.kind === kind).map((s) => s.points.map(([x, y]) => [x, y] as Point));
    return { zones: of('zone'), ignoreMasks: of('mask') };
  }

  /** True while a shape is being drawn and not yet finished (it would not be saved). */
  get drawing(): boolean {
    return this.draft !== null;
  }

  /** Shows `url` (an object URL the editor now owns) as the picture, or the plain grid for null. */
  showPicture(url: string | null, alt: string): void {
    if (this.pictureUrl) URL.revokeObjectURL(this.pictureUrl);
    this.pictureUrl = url;
    this.picture.hidden = url === null;
    this.picture.alt = url ? alt : '';
    this.stage.classList.toggle('grid', url === null);
    if (url) this.picture.src = url;
    else {
      this.picture.removeAttribute('src');
      this.aspect = 16 / 9;
      this.overlay.setAttribute('viewBox', `0 0 ${HEIGHT * this.aspect} ${HEIGHT}`);
    }
    this.render();
  }

  /** Frees the picture (leaving the page). */
  clearPicture(): void {
    this.showPicture(null, '');
  }

  note(text: string): void {
    say(this.messages, text);
  }

  problem(err: unknown): void {
    fail(this.messages, err);
  }

  private label(index: number): string {
    const shape = this.shapes[index]!;
    const n = this.shapes.slice(0, index + 1).filter((s) => s.kind === shape.kind).length;
    return `${NOUN[shape.kind]} ${n}`;
  }

  private count(kind: Kind): number {
    return this.shapes.filter((s) => s.kind === kind).length;
  }

  /** Pointer position as frame fractions. */
  private at(e: MouseEvent): Point {
    const r = this.overlay.getBoundingClientRect();
    return [round((e.clientX - r.left) / Math.max(1, r.width)), round((e.clientY - r.top) / Math.max(1, r.height))];
  }

  private vertexOf(e: Event): { shape: number | 'draft'; point: number } | null {
    const target = (e.target as Element | null)?.closest('[data-point]');
    if (!target) return null;
    const shape = target.getAttribute('data-shape') ?? '';
    return { shape: shape === 'draft' ? 'draft' : Number(shape), point: Number(target.getAttribute('data-point')) };
  }

  private pointerDown(e: PointerEvent): void {
    const v = this.vertexOf(e);
    if (!v) return;
    e.preventDefault();
    if (v.shape === 'draft') {
      if (v.point === 0 && (this.draft?.length ?? 0) >= this.limits.minCorners) this.finishDraft();
      return;
    }
    this.dragging = { shape: v.shape, point: v.point, moved: false };
    this.overlay.setPointerCapture(e.pointerId);
  }

  private pointerMove(e: PointerEvent): void {
    const d = this.dragging;
    if (!d) return;
    const shape = this.shapes[d.shape];
    if (!shape) return;
    shape.points[d.point] = this.at(e);
    d.moved = true;
    this.render();
  }

  private pointerUp(e: PointerEvent): void {
    const d = this.dragging;
    if (!d) return;
    this.dragging = null;
    if (this.overlay.hasPointerCapture(e.pointerId)) this.overlay.releasePointerCapture(e.pointerId);
    if (d.moved) {
      this.justDragged = true;
      this.renderList();
      this.note(`Moved corner ${d.point + 1} of ${this.label(d.shape).toLowerCase()}`);
    }
  }

  private click(e: MouseEvent): void {
    if (this.justDragged) {
      this.justDragged = false;
      return;
    }
    if (this.vertexOf(e)) return;
    if (!this.draft) {
      if (this.count(this.drawKind) >= this.limits.maxShapes) {
        this.problem(new Error(`at most ${this.limits.maxShapes} ${NOUN[this.drawKind].toLowerCase()}s: delete one first`));
        return;
      }
      this.draft = [];
    }
    if (this.draft.length >= this.limits.maxCorners) {
      this.problem(new Error(`a shape has at most ${this.limits.maxCorners} corners: finish this one`));
      return;
    }
    this.draft.push(this.at(e));
    this.afterDraftChange();
  }

  private doubleClick(e: MouseEvent): void {
    const v = this.vertexOf(e);
    if (!v || v.shape === 'draft') return;
    this.removeCorner(v.shape, v.point);
  }

  private finishDraft(): void {
    const draft = this.draft;
    if (!draft || draft.length < this.limits.minCorners) {
      this.problem(new Error(`a shape needs at least ${this.limits.minCorners} corners: click the picture to add them`));
      return;
    }
    this.shapes.push({ kind: this.drawKind, points: draft });
    this.draft = null;
    this.afterDraftChange();
    this.renderList();
    this.note(`${this.label(this.shapes.length - 1)} added with ${draft.length} corners. Save to keep it`);
  }

  private addRectangle(kind: Kind): void {
    if (this.count(kind) >= this.limits.maxShapes) {
      this.problem(new Error(`at most ${this.limits.maxShapes} ${NOUN[kind].toLowerCase()}s: delete one first`));
      return;
    }
    this.shapes.push({ kind, points: [[0.35, 0.35], [0.65, 0.35], [0.65, 0.65], [0.35, 0.65]] });
    this.render();
    this.renderList();
    const index = this.shapes.length - 1;
    this.note(`${this.label(index)} added in the middle of the picture: set its corners below. Save to keep it`);
    this.list.querySelector<HTMLInputElement>(`#${this.prefix}-s${index}-p0-x`)?.focus();
  }

  private removeCorner(shape: number, point: number): void {
    const s = this.shapes[shape];
    if (!s) return;
    if (s.points.length <= this.limits.minCorners) {
      this.problem(new Error(`${this.label(shape).toLowerCase()} needs at least ${this.limits.minCorners} corners: delete the whole shape instead`));
      return;
    }
    s.points.splice(point, 1);
    this.render();
    this.renderList();
    this.note(`Removed corner ${point + 1} of ${this.label(shape).toLowerCase()}`);
  }

  private afterDraftChange(): void {
    const n = this.draft?.length ?? 0;
    this.finishButton.disabled = n < this.limits.minCorners;
    this.undoButton.disabled = n === 0;
    this.draftControls.hidden = this.draft === null;
    this.renderHint();
    this.render();
  }

  private renderHint(): void {
    const what = NOUN[this.drawKind].toLowerCase();
    this.hint.textContent = this.draft
      ? `Drawing a new ${what}: ${this.draft.length} corner${this.draft.length === 1 ? '' : 's'} so far. Click to add corners; click the first corner or Finish shape to close it.`
      : `Click the picture to place the corners of a new ${what}. Drag a corner to move it; double-click a corner to remove it.`;
  }

  /** Redraws the overlay (cheap: a few polygons). */
  private render(): void {
    const width = HEIGHT * this.aspect;
    const box = this.overlay.getBoundingClientRect();
    // Handles and labels keep their size on screen whatever the picture's scale.
    const px = box.width > 0 ? width / box.width : 2;
    const layer = this.layer;
    layer.textContent = '';
    const toView = ([x, y]: Point) => `${x * width},${y * HEIGHT}`;
    this.shapes.forEach((shape, i) => {
      const points = shape.points.map(toView).join(' ');
      const name = this.label(i);
      const g = svg('g', { class: `shape ${shape.kind}` });
      g.append(svg('polygon', { points, class: shape.kind === 'mask' ? 'mask-fill' : 'zone-fill', ...(shape.kind === 'mask' ? { fill: `url(#${this.prefix}-hatch)` } : {}) }));
      g.append(svg('polygon', { points, class: `${shape.kind}-edge`, 'vector-effect': 'non-scaling-stroke' }));
      const cx = shape.points.reduce((a, p) => a + p[0], 0) / shape.points.length;
      const cy = shape.points.reduce((a, p) => a + p[1], 0) / shape.points.length;
      g.append(svg('text', { x: cx * width, y: cy * HEIGHT, 'font-size': 14 * px, 'text-anchor': 'middle', class: 'shape-label' }, name));
      shape.points.forEach((p, j) => {
        g.append(svg('circle', { cx: p[0] * width, cy: p[1] * HEIGHT, r: 9 * px, class: 'vertex', 'data-shape': i, 'data-point': j, 'vector-effect': 'non-scaling-stroke' }));
      });
      layer.append(g);
    });
    if (this.draft && this.draft.length > 0) {
      const g = svg('g', { class: `draft ${this.drawKind}` });
      g.append(svg('polyline', { points: this.draft.map(toView).join(' '), class: 'draft-line', 'vector-effect': 'non-scaling-stroke' }));
      this.draft.forEach((p, j) => {
        g.append(svg('circle', { cx: p[0] * width, cy: p[1] * HEIGHT, r: (j === 0 ? 11 : 8) * px, class: j === 0 ? 'vertex first' : 'vertex', 'data-shape': 'draft', 'data-point': j, 'vector-effect': 'non-scaling-stroke' }));
      });
      layer.append(g);
    }
    const zones = this.count('zone');
    const masks = this.count('mask');
    const said = `${zones} zone${zones === 1 ? '' : 's'} and ${masks} ignore mask${masks === 1 ? '' : 's'}`;
    this.overlay.setAttribute('aria-label', `Drawing area over the picture: ${said}. The list below edits them with the keyboard.`);
    this.summary.textContent = zones === 0 ? `${said}: motion anywhere in the picture counts, except under a mask.` : `${said}: motion counts only inside the zones, except under a mask.`;
  }

  /** Rebuilds the corner-by-corner list (after a structural change, not while typing in it). */
  private renderList(): void {
    const focusedId = document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement) ? document.activeElement.id : null;
    this.list.textContent = '';
    this.shapes.forEach((shape, i) => {
      const name = this.label(i);
      const corners = el('ol', { className: 'corners' });
      shape.points.forEach((point, j) => {
        const coord = (axis: 0 | 1) => {
          const id = `${this.prefix}-s${i}-p${j}-${axis === 0 ? 'x' : 'y'}`;
          const input = el('input', { type: 'number', id, min: 0, max: 100, step: 0.1, value: percent(point[axis]), inputMode: 'decimal' });
          input.addEventListener('change', () => {
            const v = Number(input.value);
            if (input.value === '' || !Number.isFinite(v)) {
              input.value = percent(point[axis]);
              return;
            }
            point[axis] = round(v / 100);
            input.value = percent(point[axis]);
            this.render();
          });
          return el('span', { className: 'coord' }, el('label', { htmlFor: id }, el('span', { className: 'vh', textContent: `${name}, corner ${j + 1}, ` }), axis === 0 ? 'across %' : 'down %'), input);
        };
        const remove = el('button', { type: 'button', textContent: 'Remove', 'aria-label': `Remove corner ${j + 1} of ${name.toLowerCase()}`, disabled: shape.points.length <= this.limits.minCorners });
        remove.addEventListener('click', () => this.removeCorner(i, j));
        corners.append(el('li', {}, el('span', { className: 'corner-name', textContent: `Corner ${j + 1}` }), coord(0), coord(1), remove));
      });
      const addCorner = el('button', { type: 'button', textContent: 'Add corner', 'aria-label': `Add corner to ${name.toLowerCase()}`, disabled: shape.points.length >= this.limits.maxCorners });
      addCorner.addEventListener('click', () => {
        const last = shape.points[shape.points.length - 1]!;
        const first = shape.points[0]!;
        // Between the last corner and the first: the outline stays the same until it is moved.
        shape.points.push([round((last[0] + first[0]) / 2), round((last[1] + first[1]) / 2)]);
        this.render();
        this.renderList();
        this.note(`Added corner ${shape.points.length} to ${name.toLowerCase()}`);
        this.list.querySelector<HTMLInputElement>(`#${this.prefix}-s${i}-p${shape.points.length - 1}-x`)?.focus();
      });
      const del = el('button', { type: 'button', className: 'danger', textContent: `Delete ${name.toLowerCase()}` });
      del.addEventListener('click', () => {
        this.shapes.splice(i, 1);
        this.render();
        this.renderList();
        this.note(`${name} deleted. Save to keep the change`);
      });
      this.list.append(el('li', { className: `shape-item ${shape.kind}`, 'data-kind': shape.kind }, el('h5', { textContent: `${name} (${shape.points.length} corners)` }), corners, el('div', { className: 'actions' }, addCorner, del)));
    });
    if (focusedId) document.getElementById(focusedId)?.focus();
  }
}
