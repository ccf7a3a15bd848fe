import { strict as assert } from 'node:assert';
import { existsSync, promises as fs, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ManualClock } from '../../../common/clock';
import type { AcmeConfig } from '../../../common/config';
import type { NoticeContent } from '../../../common/notices';
import { AcmeCertificates } from '../../../hub/acme/acmeCertificates';
import { runDnsHook } from '../../../hub/acme/dnsHook';
import { Http01Responder } from '../../../hub/acme/http01Responder';
import { captureLog } from '../../helpers/logCapture';
import { useTempDir } from '../../helpers/tmp';

const CONFIG: AcmeConfig = {
  enabled: true,
  domains: ['cameras.example.org'],
  directoryUrl: 'https://acme.invalid/directory',
  challenge: 'dns-01',
  dnsHook: '/nonexistent',
  dnsHookTimeoutSeconds: 5,
};

const until = async (what: string, ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('ACME certificates: the renewal loop', function () {
  this.timeout(20_000);
  const tmp = useTempDir();

  it('`porchlight acme renew` made while an attempt is running is acted on when it ends, not 12 hours later', async () => {
    let orders = 0;
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const acme = new AcmeCertificates({
      config: CONFIG,
      dir: path.join(tmp.dir, 'acme'),
      http01: new Http01Responder(),
      reload: async () => {},
      notifyOwners: async () => {},
      log: captureLog().log,
      // Never advanced: only the request can end the wait after an attempt.
      clock: new ManualClock(Date.now()),
      // A slow order (a DNS hook waiting for propagation) that fails; the first one waits for the test.
      order: async () => {
        orders += 1;
        if (orders === 1) await first;
        throw new Error('fake order failed');
      },
    });
    await acme.init();
    acme.start();
    try {
      await until('the first order', () => orders === 1, 5000);
      // What `porchlight acme renew` does (cli/commands/acme.ts), while the first order runs.
      writeFileSync(acme.paths.renewRequest, `${new Date().toISOString()}\n`);
      // The request watcher polls every second: let it see the file during the attempt.
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(orders, 1);
      release();
      await until('the asked-for order', () => orders === 2, 5000);
      await until('the request file consumed', () => !existsSync(acme.paths.renewRequest), 2000);
    } finally {
      release();
      await acme.stop();
    }
  });

  it("keeps what a failing DNS hook wrote (a provider's token, say) out of the state, the notices and the push; the log has it masked", async () => {
    const hook = path.join(tmp.dir, 'hook');
    const token = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc9Xq';
    // The attacker's move is the hook's: a provider CLI that echoes its request, credentials and all, then fails.
    writeFileSync(hook, `#!/bin/sh\necho "curl: Authorization: Bearer ${token}" >&2\necho "zone example.org: 403 forbidden" >&2\nexit 7\n`, { mode: 0o755 });
    const notices: NoticeContent[] = [];
    const captured = captureLog();
    const acme = new AcmeCertificates({
      config: { ...CONFIG, dnsHook: hook },
      dir: path.join(tmp.dir, 'acme'),
      http01: new Http01Responder(),
      reload: async () => {},
      notifyOwners: async (n) => void notices.push(n),
      log: captured.log,
      clock: new ManualClock(Date.now()),
      // The part of an order that runs the hook (certificateOrder.ts's challengeCreateFn).
      order: async (config) => {
        await runDnsHook(config.dnsHook!, 'set', config.domains[0]!, 'txt-value', 5000);
        throw new Error('unreachable');
      },
    });
    await acme.init();
    for (let i = 0; i < 5; i++) await acme.renew();

    assert.ok(notices.length > 0, 'the owners were told');
    const outward = JSON.stringify({ record: acme.record, notices, state: await fs.readFile(acme.paths.state, 'utf8') });
    assert.ok(!outward.includes(token) && !outward.includes('Bearer') && !outward.includes('403 forbidden'), outward);
    assert.match(acme.record.lastError ?? '', new RegExp(`the DNS hook ${hook} \\(set _acme-challenge\\.cameras\\.example\\.org\\) exited with 7`));
    assert.match(notices[0]!.message, /exited with 7/);
    assert.match(notices[0]!.push?.body ?? '', /DNS hook/);

    const logged = JSON.stringify(captured.lines);
    assert.ok(logged.includes('zone example.org: 403 forbidden'), 'the hook\'s words are in the log for the owner to read');
    assert.ok(logged.includes('Bearer [masked]') && !logged.includes(token), logged);
  });
});
