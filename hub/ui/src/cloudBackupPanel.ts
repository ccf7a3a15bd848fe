import { cloudTargetForm } from './cloudTargetForm';
import { el, guard, onSubmit, panel, say } from './dom';
import { hasRole } from './session';

/*
 * The owner's cloud backup choice after setup (the System page): the same form as the
 * setup wizard's last step. Installers see the relay's state on the System page, not this.
 */

export function cloudBackupPanel(): { panel: HTMLDivElement; show(): void } {
  const form = cloudTargetForm('system-cloud');
  const box = panel('Cloud backup',
    el('p', { textContent: 'Where the hub copies every clip, encrypted. A change applies to new uploads within seconds; clips already copied stay where they are.' }),
    form.form);
  box.id = 'cloud-backup-panel';
  onSubmit(form.form, async () => {
    const saved = await form.save();
    say(form.form, saved.target.type === 'directory' ? `Saved: clips are copied to the folder ${saved.target.path}` : `Saved: clips are copied to the bucket ${saved.target.bucket}`);
  });
  const load = guard(box, () => form.load());
  return {
    panel: box,
    show() {
      box.hidden = !hasRole('owner');
      if (!box.hidden) void load();
    },
  };
}
