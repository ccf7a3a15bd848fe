/*
 * DOM helpers. Nothing from the server is ever parsed as HTML (text nodes and textContent
 * only), so a camera or user name cannot inject markup; the CSP forbids inline script and
 * style, so behaviour is attached here, never in markup.
 */

export type Child = Node | string | null | undefined | false;
type Props = Record<string, unknown>;

/** createElement with properties and children; `aria-*`, `data-*` and `role` become attributes. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined) continue;
    // Not every browser reflects ARIA attributes as properties.
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the callers' attribute values are strings, numbers and booleans
    if (key.includes('-') || key === 'role') node.setAttribute(key, String(value));
    else (node as unknown as Record<string, unknown>)[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

/** An element the shell's markup guarantees. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

export const when = (ms: number | null | undefined): string => (ms ? new Date(ms).toLocaleString() : '—');

/** The hub's messages are lower-case clauses ("wrong user name or password"): make them sentences. */
export function sentence(text: string | null | undefined): string {
  const s = String(text ?? '').trim();
  if (!s) return 'Something went wrong.';
  const capital = (s[0] ?? '').toUpperCase() + s.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/*
 * Every form and message area gets an alert line for errors and a status line for
 * confirmations, created once, so screen readers announce what changes in them.
 */
export function addMessageLines(area: HTMLElement): HTMLElement {
  if (!area.querySelector(':scope > p.error')) area.append(el('p', { className: 'error', role: 'alert' }), el('p', { className: 'note', role: 'status' }));
  return area;
}

function lines(area: HTMLElement): [HTMLElement, HTMLElement] {
  addMessageLines(area);
  return [area.querySelector(':scope > p.error') as HTMLElement, area.querySelector(':scope > p.note') as HTMLElement];
}

/** Shows a confirmation (or clears both lines when `text` is empty). */
export function say(area: HTMLElement, text: string): void {
  const [error, note] = lines(area);
  error.textContent = '';
  note.textContent = text ? sentence(text) : '';
}

/** Errors that mean the session itself changed are handed to the shell instead of shown. */
let sessionErrorHandler: (err: { code?: string; message: string }) => boolean = () => false;
export function onSessionError(handler: (err: { code?: string; message: string }) => boolean): void {
  sessionErrorHandler = handler;
}

export function fail(area: HTMLElement, err: unknown): void {
  const e = err instanceof Error ? (err as Error & { code?: string }) : new Error(String(err));
  if (sessionErrorHandler(e)) return;
  const [error, note] = lines(area);
  note.textContent = '';
  error.textContent = sentence(e.message);
}

/** Wraps an async action so whatever it throws is shown in `area`. */
export function guard<A extends unknown[]>(area: HTMLElement, fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(area, err);
    }
  };
}

export function clearMessages(root: ParentNode = document): void {
  for (const p of root.querySelectorAll('p.error, p.note')) p.textContent = '';
}

/** Runs a form's handler with its buttons disabled, so a double click does not send twice. */
export function onSubmit(form: HTMLFormElement, handler: () => Promise<unknown>): void {
  addMessageLines(form);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    say(form, '');
    handler()
      .catch((err: unknown) => fail(form, err))
      .finally(() => buttons.forEach((b) => { b.disabled = false; }));
  });
}

/** A titled panel with its own message lines. */
export function panel(title: string, ...children: Child[]): HTMLDivElement {
  return addMessageLines(el('div', { className: 'panel' }, el('h3', { textContent: title }), ...children)) as HTMLDivElement;
}

/** A page's section: its heading first (focused when the page is opened), then its content. */
export function pageSection(view: string, title: string, ...children: Child[]): HTMLElement {
  return el('section', { id: `${view}-view`, hidden: true }, el('h2', { tabIndex: -1, textContent: title }), ...children);
}

/** A labelled form field: the label's `for` points at the input. */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(el('label', { htmlFor: input.id, textContent: label }), input);
  return fragment;
}

/** A wide table that scrolls sideways on a phone and can be reached with the keyboard. */
export function scrollTable(label: string, table: HTMLTableElement): HTMLDivElement {
  return el('div', { className: 'scroll', tabIndex: 0, role: 'region', 'aria-label': `${label}, scrollable` }, table);
}

export function headRow(...names: string[]): HTMLTableSectionElement {
  return el('thead', {}, el('tr', {}, ...names.map((n) => el('th', { scope: 'col', textContent: n }))));
}

export function confirmAction(question: string): boolean {
  return window.confirm(question);
}

/**
 * A button that confirms, calls `action`, shows the sentence it returns in `area`, then
 * runs `after` (usually a reload of what the action changed).
 */
export function actionButton(area: HTMLElement, label: string, accessibleName: string, question: string | null, action: () => Promise<string>, after?: () => unknown): HTMLButtonElement {
  const button = el('button', { type: 'button', textContent: label, 'aria-label': accessibleName });
  button.addEventListener('click', guard(area, async () => {
    if (question && !confirmAction(question)) return;
    say(area, await action());
    after?.();
  }));
  return button;
}
