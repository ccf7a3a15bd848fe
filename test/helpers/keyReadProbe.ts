import { readFileSync } from 'node:fs';

/*
 * TEST ONLY: preloaded into a real relay process with `node --require` by
 * test/cloud-relay/relayOwnUser.test.ts, never by the product (nothing in it imports this
 * file). It is the attacker who has taken the relay over: on SIGUSR2, once the relay is up and
 * has uploaded, it tries to read each file named in PORCHLIGHT_TEST_READ_FILES (JSON) from
 * inside the relay process, with the relay's own uid and groups, and writes one stderr line:
 * `KEY-READ-PROBE {"uid":…,"gid":…,"results":{file: "read" | error code}}`.
 */

process.on('SIGUSR2', () => {
  const files = JSON.parse(process.env.PORCHLIGHT_TEST_READ_FILES ?? '[]') as string[];
  const results: Record<string, string> = {};
  for (const file of files) {
    try {
      readFileSync(file);
      results[file] = 'read';
    } catch (err) {
      results[file] = (err as NodeJS.ErrnoException).code ?? String(err);
    }
  }
  process.stderr.write(`KEY-READ-PROBE ${JSON.stringify({ uid: process.getuid?.(), gid: process.getgid?.(), results })}\n`);
});
