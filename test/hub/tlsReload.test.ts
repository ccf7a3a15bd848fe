import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TlsManager } from '../../hub/tlsManager';
import { captureLog } from '../helpers/logCapture';
import { useTempDir } from '../helpers/tmp';

const DAY = 24 * 3600_000;

/** Whether the key file on disk belongs to the certificate file beside it. */
async function pairMatches(dir: string, cert: string, key: string): Promise<boolean> {
  const c = new X509Certificate(await fs.readFile(path.join(dir, cert)));
  return c.checkPrivateKey(createPrivateKey(await fs.readFile(path.join(dir, key))));
}

describe('TLS reloads: the key and certificate on disk always belong together', function () {
  this.timeout(30_000);
  const tmp = useTempDir();

  it('overlapping reloads while a re-issue is due (an ACME install, two file watches, the timer) leave matching pairs', async () => {
    const m = new TlsManager(tmp.dir, undefined, captureLog().log);
    await m.init();
    // 380 days on, both the cameras' server certificate and the browser one are due.
    for (let round = 0; round < 3; round++) {
      const later = new Date(Date.now() + (380 + round * 380) * DAY);
      await Promise.all([m.reload(later), m.reload(later), m.reload(later), m.reload(later)]);
      assert.ok(await pairMatches(tmp.dir, 'browser.crt', 'browser.key'), `browser pair, round ${round}`);
      assert.ok(await pairMatches(tmp.dir, 'server.crt', 'server.key'), `server pair, round ${round}`);
    }
    m.stop();
  });

  it('a mismatched pair on disk at start (a crash between the two writes) is re-issued, not a start-up failure', async () => {
    const first = new TlsManager(tmp.dir, undefined, captureLog().log);
    await first.init();
    const caBefore = first.household.caFingerprint;
    const cameraCaBefore = first.local.caFingerprint;
    // Another certificate's keys in place of the right ones.
    const other = path.join(tmp.dir, 'other');
    await new TlsManager(other, undefined, captureLog().log).init();
    await fs.copyFile(path.join(other, 'browser.key'), path.join(tmp.dir, 'browser.key'));
    await fs.copyFile(path.join(other, 'server.key'), path.join(tmp.dir, 'server.key'));

    const again = new TlsManager(tmp.dir, undefined, captureLog().log);
    await again.init();
    assert.ok(await pairMatches(tmp.dir, 'browser.crt', 'browser.key'));
    assert.ok(await pairMatches(tmp.dir, 'server.crt', 'server.key'));
    // Re-issued under the same CAs: no phone reinstalls, no camera re-pairs.
    assert.equal(again.household.caFingerprint, caBefore);
    assert.equal(again.local.caFingerprint, cameraCaBefore);
    again.stop();
  });
});
