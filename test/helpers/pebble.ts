import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { request as httpRequest } from 'node:http';
import * as path from 'node:path';
import { sleep } from './wait';
import { freePort } from './ports';

/*
 * Let's Encrypt's test ACME server (Debian's pebble) and its challenge test server
 * (pebble-challtestsrv, Pebble's DNS) on free loopback ports. Pebble validates every
 * challenge for real (PEBBLE_VA_ALWAYS_VALID=0), without its random sleeps, nonce rejections
 * or reuse of earlier authorizations, so each order proves its names afresh.
 */

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

export interface PebbleStack {
  directoryUrl: string;
  /** The CA of Pebble's own HTTPS (made here with openssl): hub.acme.caFile. */
  caFile: string;
  /** The root Pebble signs issued certificates under (from its management API). */
  issuingRoot(): Promise<string>;
  /** challtestsrv's management API, e.g. /set-txt. */
  manage(pathname: string, body: object): Promise<void>;
  managementUrl: string;
  /** The port Pebble sends http-01 requests to: the hub's plain-HTTP port. */
  httpPort: number;
  close(): Promise<void>;
}

/** A CA and a certificate for 127.0.0.1 / localhost signed by it, for Pebble's HTTPS. */
function makeTlsFiles(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const f = (n: string) => path.join(dir, n);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=porchlight test pebble CA');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('pebble.key'), '-out', f('pebble.csr'), '-subj', '/CN=localhost');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl('x509', '-req', '-in', f('pebble.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('pebble.pem'), '-days', '2', '-extfile', f('ext.cnf'));
  return { caFile: f('ca.pem'), certFile: f('pebble.pem'), keyFile: f('pebble.key') };
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: new Agent({ ca }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(what: string, child: ChildProcess, ready: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`${what} did not start within ${ms} ms`);
    await sleep(100);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

export async function startPebble(dir: string, httpPort: number): Promise<PebbleStack> {
  const tlsFiles = makeTlsFiles(dir);
  const [acmePort, mgmtPort, tlsPort, dnsPort, challMgmtPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const children: ChildProcess[] = [];
  const close = async () => {
    for (const c of children.reverse()) await stopChild(c);
  };
  try {
    const chall = spawn(
      CHALLTESTSRV,
      ['-management', `127.0.0.1:${challMgmtPort}`, '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    children.push(chall);
    const managementUrl = `http://127.0.0.1:${challMgmtPort}`;
    const manage = (pathname: string, body: object) =>
      new Promise<void>((resolve, reject) => {
        const req = httpRequest(`${managementUrl}${pathname}`, { method: 'POST' }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`challtestsrv ${pathname}: ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    await waitFor('pebble-challtestsrv', chall, async () => {
      await manage('/clear-txt', { host: 'ready.test.' });
      return true;
    });
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: tlsFiles.certFile,
        privateKey: tlsFiles.keyFile,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    };
    const configFile = path.join(dir, 'pebble-config.json');
    writeFileSync(configFile, JSON.stringify(config));
    const pebble = spawn(PEBBLE, ['-config', configFile, '-dnsserver', `127.0.0.1:${dnsPort}`], {
      stdio: ['ignore', 'ignore', process.env.PEBBLE_LOG ? 'inherit' : 'ignore'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_VA_ALWAYS_VALID: '0', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    });
    children.push(pebble);
    const directoryUrl = `https://127.0.0.1:${acmePort}/dir`;
    const ca = readFileSync(tlsFiles.caFile, 'utf8');
    await waitFor('pebble', pebble, async () => (await get(directoryUrl, ca)).status === 200);
    return {
      directoryUrl,
      caFile: tlsFiles.caFile,
      managementUrl,
      httpPort,
      manage,
      issuingRoot: async () => {
        const r = await get(`https://127.0.0.1:${mgmtPort}/roots/0`, ca);
        if (r.status !== 200) throw new Error(`pebble /roots/0: ${r.status}`);
        return r.body;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

export function pebbleInstalled(): boolean {
  return existsSync(PEBBLE) && existsSync(CHALLTESTSRV);
}
