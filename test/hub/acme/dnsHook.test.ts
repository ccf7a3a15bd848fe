import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DnsHookError, runDnsHook } from '../../../hub/acme/dnsHook';
import { useTempDir } from '../../helpers/tmp';

describe('dns-01 hook', () => {
  const tmp = useTempDir();
  const hook = (name: string, body: string, mode = 0o755) => {
    const file = path.join(tmp.dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode });
    return file;
  };

  it('is run as <hook> set|clear _acme-challenge.<name> <value>, with the name in its environment', async () => {
    const out = path.join(tmp.dir, 'calls');
    const h = hook('ok', `echo "$1 $2 $3 $PORCHLIGHT_ACME_DOMAIN" >> ${out}`);
    await runDnsHook(h, 'set', 'cameras.example.org', 'v4lue', 5000);
    await runDnsHook(h, 'clear', '*.example.org', 'v4lue', 5000);
    assert.equal(readFileSync(out, 'utf8'), 'set _acme-challenge.cameras.example.org v4lue cameras.example.org\nclear _acme-challenge.example.org v4lue *.example.org\n');
  });

  it('fails with the exit code; what the hook said on stderr rides apart, for the log, token-like strings masked', async () => {
    const h = hook('bad', 'echo "starting" >&2; echo "zone example.org: TSIG key refused (key hmac-sha256:c2VjcmV0LXRzaWcta2V5LTEyMzQ1Njc4OTA=)" >&2; exit 3');
    const err = await runDnsHook(h, 'set', 'cameras.example.org', 'v', 5000).then(
      () => assert.fail('the hook failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DnsHookError);
    assert.match(err.message, /\(set _acme-challenge\.cameras\.example\.org\) exited with 3; what it wrote is in the hub's log$/);
    assert.ok(!err.message.includes('TSIG'), err.message);
    assert.equal(err.output, 'starting / zone example.org: TSIG key refused (key hmac-sha256:[masked])');
  });

  it('names a hook that is missing or not executable, and stops one that hangs', async () => {
    await assert.rejects(runDnsHook(path.join(tmp.dir, 'nope'), 'set', 'a.example.org', 'v', 5000), /nope \(set _acme-challenge\.a\.example\.org\) not found/);
    await assert.rejects(runDnsHook(hook('plain', 'exit 0', 0o644), 'set', 'a.example.org', 'v', 5000), /not executable/);
    await assert.rejects(runDnsHook(hook('slow', 'sleep 30'), 'set', 'a.example.org', 'v', 1000), /still running after 1 s, stopped/);
  });
});
