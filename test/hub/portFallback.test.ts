import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import * as net from 'node:net';
import { call } from '../helpers/https';
import { startTestHub } from '../helpers/hub';
import { useTempDir } from '../helpers/tmp';

/** Holds `port` on `host`; resolves false where it cannot (not root: ports under 1024 are refused, which the hub meets as well). */
function hold(host: string, port: number): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen(port, host, () => resolve(server));
  });
}

describe('hub ports: 443 and 80 taken (or not allowed), it falls back to 9443 and 8080 and says so', function () {
  this.timeout(60_000);
  const tmp = useTempDir();

  it('listens on 9443 and 8080 when 443 and 80 are busy, and the redirect sends browsers to 9443', async () => {
    // An address of its own on loopback, so 9443 and 8080 are free whatever else runs on this machine.
    const host = `127.0.5.${2 + Math.floor(Math.random() * 250)}`;
    const blockers = (await Promise.all([hold(host, 443), hold(host, 80)])).filter((s): s is net.Server => s !== null);
    const t = await startTestHub(tmp.dir, { host, httpsPort: 443, httpPort: 80, redirectHttp: true });
    try {
      const health = await call(`https://${host}:9443`, 'GET', '/api/health');
      assert.equal(health.status, 200, 'the hub answers on 9443');
      assert.equal(t.httpsPort, 9443);
      assert.equal(t.httpPort, 8080);
      const redirect = await new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host, port: 8080, path: '/timeline', headers: { host } }, resolve).on('error', reject));
      redirect.resume();
      assert.equal(redirect.statusCode, 301);
      assert.equal(redirect.headers.location, `https://${host}:9443/timeline`);
    } finally {
      await t.stop();
      for (const b of blockers) await new Promise((resolve) => b.close(resolve));
    }
  });
});
