import type { CheckResult, CloudTargetView } from '../../../common/api/cloudTarget';
import { api } from './api';
import { addMessageLines, el, field, guard, sentence } from './dom';

/*
 * Where the relay copies the encrypted clips: a folder (a NAS or USB drive) or S3-compatible
 * storage. "Test connection" tries the settings as typed before anything is saved; the secret
 * key is sent, never shown (a stored one is kept when its field is left blank).
 */

export interface CloudTargetForm {
  form: HTMLFormElement;
  /** Fills the fields from what the hub uses now. */
  load(): Promise<void>;
  /** Saves the choice; resolves with what the hub then uses. */
  save(): Promise<CloudTargetView>;
}

/**
 * `prefix` keeps ids unique when the form appears on more than one screen; `leading` and
 * `trailing` buttons (Back, Skip) sit beside Test and Save.
 */
export function cloudTargetForm(prefix: string, options: { saveLabel?: string; leading?: HTMLElement[]; trailing?: HTMLElement[] } = {}): CloudTargetForm {
  const id = (name: string) => `${prefix}-${name}`;
  const input = (name: string, props: Record<string, unknown> = {}) => el('input', { id: id(name), ...props });

  const folderChoice = input('directory', { type: 'radio', name: id('type'), value: 'directory', checked: true });
  const s3Choice = input('s3', { type: 'radio', name: id('type'), value: 's3' });
  const kind = el('fieldset', {},
    el('legend', { textContent: 'Where should clips be copied?' }),
    el('label', { className: 'check', htmlFor: folderChoice.id }, folderChoice, 'A folder: a network drive (NAS) or a USB drive on the hub'),
    el('label', { className: 'check', htmlFor: s3Choice.id }, s3Choice, 'S3-compatible cloud storage: Amazon S3, Backblaze B2, Cloudflare R2, MinIO…'));

  const folderPath = input('path', { autocomplete: 'off', spellcheck: false, placeholder: '/mnt/nas/porchlight' });
  const folderFields = el('div', { className: 'fields' },
    field('Folder (full path on the hub)', folderPath),
    el('p', { className: 'muted', textContent: 'The Porchlight service must be allowed to write there. Clips arrive encrypted: the folder never holds anything watchable.' }));

  const endpoint = input('endpoint', { type: 'url', autocomplete: 'off', spellcheck: false, placeholder: 'https://s3.example.com (leave empty for Amazon S3)' });
  const region = input('region', { autocomplete: 'off', spellcheck: false, value: 'us-east-1' });
  const bucket = input('bucket', { autocomplete: 'off', spellcheck: false });
  const accessKey = input('access-key', { autocomplete: 'off', spellcheck: false });
  const secret = input('secret', { type: 'password', autocomplete: 'new-password' });
  const pathStyle = input('path-style', { type: 'checkbox', checked: true });
  const s3Fields = el('div', { className: 'fields', hidden: true },
    field('Endpoint address', endpoint),
    field('Region', region),
    field('Bucket', bucket),
    field('Access key', accessKey),
    field('Secret key', secret),
    el('label', { className: 'check', htmlFor: pathStyle.id }, pathStyle, 'Path-style addresses (needed by MinIO and most self-hosted storage)'));

  const testButton = el('button', { type: 'button', id: id('test'), textContent: 'Test connection' });
  const saveButton = el('button', { type: 'submit', id: id('save'), textContent: options.saveLabel ?? 'Save' });
  // Its own message lines: a test result stays apart from the form's errors.
  const result = addMessageLines(el('div', { id: id('result'), className: 'result' }));
  const form = el('form', { id: id('form'), className: 'wide', noValidate: true }, kind, folderFields, s3Fields, el('div', { className: 'actions' }, ...(options.leading ?? []), testButton, saveButton, ...(options.trailing ?? [])), result);

  const showKind = () => {
    folderFields.hidden = !folderChoice.checked;
    s3Fields.hidden = !s3Choice.checked;
  };
  folderChoice.addEventListener('change', showKind);
  s3Choice.addEventListener('change', showKind);

  const body = () =>
    folderChoice.checked
      ? { type: 'directory', path: folderPath.value.trim() }
      : {
          type: 's3',
          endpoint: endpoint.value.trim() || null,
          region: region.value.trim(),
          bucket: bucket.value.trim(),
          forcePathStyle: pathStyle.checked,
          accessKeyId: accessKey.value.trim(),
          // Blank keeps the stored secret for the same access key.
          ...(secret.value ? { secretAccessKey: secret.value } : {}),
        };

  const showResult = (r: Pick<CheckResult, 'ok' | 'message'>) => {
    const [error, note] = [result.querySelector(':scope > p.error') as HTMLElement, result.querySelector(':scope > p.note') as HTMLElement];
    error.textContent = r.ok ? '' : sentence(r.message);
    note.textContent = r.ok ? sentence(r.message) : '';
  };

  testButton.addEventListener('click', guard(result, async () => {
    showResult({ ok: true, message: '' });
    (result.querySelector(':scope > p.note') as HTMLElement).textContent = 'Testing the connection…';
    testButton.disabled = true;
    try {
      showResult(await api<CheckResult>('POST', '/api/cloud/test', body()));
    } finally {
      testButton.disabled = false;
    }
  }));

  return {
    form,
    async load() {
      const current = await api<CloudTargetView>('GET', '/api/cloud/target');
      const t = current.target;
      if (t.type === 'directory') {
        folderChoice.checked = true;
        // The default folder sits on the hub's own disk: no backup, so the field starts empty.
        folderPath.value = current.source === 'default' ? '' : t.path;
      } else {
        s3Choice.checked = true;
        endpoint.value = t.endpoint ?? '';
        region.value = t.region;
        bucket.value = t.bucket;
        accessKey.value = t.accessKeyId ?? '';
        pathStyle.checked = t.forcePathStyle;
        secret.placeholder = t.secretSet ? 'stored (leave empty to keep it)' : '';
      }
      secret.value = '';
      showKind();
    },
    async save() {
      const saved = await api<CloudTargetView>('PUT', '/api/cloud/target', body());
      secret.value = '';
      if (saved.target.type === 's3' && saved.target.secretSet) secret.placeholder = 'stored (leave empty to keep it)';
      return saved;
    },
  };
}
