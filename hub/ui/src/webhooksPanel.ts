import type { WebhookAdded, WebhookList } from '../../../common/api/alerts';
import { api } from './api';
import { actionButton, el, guard, onSubmit, panel, say, when } from './dom';

/*
 * The owner's webhooks: another system (Home Assistant, Node-RED, a script) is told about
 * motion, what the detector saw and mode changes with a signed JSON POST. The signing secret is shown once, when
 * the webhook is added; the hub keeps it sealed and never shows it again.
 */

const EVENTS: Array<[string, string]> = [
  ['motion.started', 'Motion started'],
  ['objects.detected', 'Person, vehicle or animal seen'],
  ['arming.changed', 'Mode changed'],
];

export function webhooksPanel(): { element: HTMLElement; load: () => Promise<void> } {
  const list = el('ul', { id: 'webhooks', className: 'rows' });
  const url = el('input', { id: 'webhook-url', type: 'url', placeholder: 'https://', autocomplete: 'off', spellcheck: false });
  const events = EVENTS.map(([value]) => el('input', { type: 'checkbox', id: `webhook-event-${value.replace('.', '-')}`, value, checked: true, defaultChecked: true }));
  const secretBox = el('div', { id: 'webhook-secret', hidden: true });
  const form = el('form', { id: 'webhook-form' },
    el('label', { htmlFor: url.id, textContent: 'Address (https, or http to this network)' }), url,
    el('fieldset', {}, el('legend', { textContent: 'Send' }), ...events.map((b, i) => el('label', { className: 'check', htmlFor: b.id }, b, EVENTS[i]![1]))),
    el('button', { type: 'submit', textContent: 'Add webhook' }));
  const element = panel('Webhooks',
    el('p', {}, 'Each event is POSTed as JSON, signed in the ', el('code', { textContent: 'X-Porchlight-Signature' }), ' header (HMAC-SHA256 of the timestamp and body) and retried for a few minutes if the receiver is down.'),
    list, form, secretBox);
  element.id = 'webhooks-panel';

  const load = guard(element, async () => {
    const { webhooks } = await api<WebhookList>('GET', '/api/webhooks');
    list.textContent = '';
    for (const h of webhooks) {
      const names = h.events.map((e) => EVENTS.find(([v]) => v === e)?.[1] ?? e).join(', ');
      list.append(el('li', {},
        el('div', {}, el('code', { textContent: h.url }), el('br'), el('small', { textContent: `${names} · added ${when(h.createdAt)}` })),
        actionButton(element, 'Delete', `Delete webhook ${h.url}`, `Delete the webhook to ${h.url}? It gets no more events.`, async () => {
          await api('DELETE', `/api/webhooks/${h.id}`);
          secretBox.hidden = true;
          return `The webhook to ${h.url} is deleted`;
        }, load)));
    }
    if (webhooks.length === 0) list.append(el('li', {}, el('div', { textContent: 'No webhooks yet.' })));
  });

  onSubmit(form, async () => {
    const chosen = events.filter((b) => b.checked).map((b) => b.value);
    if (chosen.length === 0) throw new Error('choose at least one event to send');
    const added = await api<WebhookAdded>('POST', '/api/webhooks', { url: url.value.trim(), events: chosen });
    url.value = '';
    secretBox.textContent = '';
    secretBox.append(
      el('p', { textContent: `Signing secret for ${added.url} — copy it into the receiver now; it is not shown again:` }),
      el('code', { className: 'secret', textContent: added.secret }));
    secretBox.hidden = false;
    say(form, 'The webhook is added');
    await load();
  });

  return {
    element,
    load: async () => {
      secretBox.hidden = true;
      secretBox.textContent = '';
      await load();
    },
  };
}
