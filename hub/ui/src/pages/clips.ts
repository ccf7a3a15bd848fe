import { api } from '../api';
import { armingPanel } from '../armingPanel';
import { el, guard, pageSection, when } from '../dom';
import type { Page } from '../page';
import { FOOTAGE_ROLES } from '../session';

interface ClipRow {
  id: string;
  deviceName: string;
  startedAt: number;
  endedAt: number;
  uploaded: boolean;
}

const arming = armingPanel();
const empty = el('p', { id: 'clips-empty', hidden: true, textContent: 'No clips yet. Cameras record when they see motion.' });
const list = el('ul', { id: 'clips' });
const player = el('video', { id: 'player', controls: true, playsInline: true, hidden: true });
const section = pageSection('clips', 'Clips', arming.element, empty, list, player);

const loadClips = guard(section, async () => {
  const { clips } = await api<{ clips: ClipRow[] }>('GET', '/api/clips');
  list.textContent = '';
  empty.hidden = clips.length > 0;
  for (const clip of clips) {
    const seconds = Math.round((clip.endedAt - clip.startedAt) / 1000);
    const button = el('button', { type: 'button', textContent: `${when(clip.startedAt)} — ${clip.deviceName} — ${seconds} s${clip.uploaded ? ' — in cloud' : ''}` });
    button.addEventListener('click', () => {
      player.hidden = false;
      player.src = `/api/clips/${encodeURIComponent(clip.id)}/video`;
      player.play().catch(() => undefined);
    });
    list.append(el('li', {}, button));
  }
});

export const clipsPage: Page = {
  view: 'clips',
  label: 'Clips',
  roles: FOOTAGE_ROLES,
  section,
  enter() {
    void arming.load();
    void loadClips();
  },
  leave() {
    player.pause();
  },
};
