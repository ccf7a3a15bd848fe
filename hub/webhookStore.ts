import { randomUUID } from 'node:crypto';
import type { DB } from '../common/database';
import { readSetting, writeSetting } from '../common/settingsTable';
import { newToken } from '../common/tokens';
import type { HubSecret } from './hubSecret';
import { WEBHOOK_EVENTS, type WebhookEventType } from '../common/api/alerts';

/* The owner's webhooks, kept in the settings table: where to send which events, and each one's signing secret. */

export { WEBHOOK_EVENTS, type WebhookEventType };

export interface StoredWebhook {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** Sealed with the hub secret: the database alone does not yield a webhook's signing key. */
  secretSealed: string;
  createdAt: number;
}

export class WebhookStore {
  constructor(
    private readonly db: DB,
    private readonly secret: HubSecret,
  ) {}

  list(): StoredWebhook[] {
    return readSetting<StoredWebhook[]>(this.db, 'webhooks') ?? [];
  }

  private save(hooks: StoredWebhook[]): void {
    writeSetting(this.db, 'webhooks', hooks);
  }

  /** Adds a webhook; the signing secret is returned this once. */
  add(url: string, events: WebhookEventType[], now: number): { hook: StoredWebhook; secret: string } {
    const secret = newToken(32);
    const hook: StoredWebhook = { id: randomUUID(), url, events, secretSealed: this.secret.seal(secret), createdAt: now };
    this.save([...this.list(), hook]);
    return { hook, secret };
  }

  remove(id: string): boolean {
    const hooks = this.list();
    const kept = hooks.filter((h) => h.id !== id);
    this.save(kept);
    return kept.length < hooks.length;
  }

  secretOf(hook: StoredWebhook): string {
    return this.secret.open(hook.secretSealed);
  }
}
