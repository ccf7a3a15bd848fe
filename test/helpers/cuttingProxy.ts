import * as net from 'node:net';

/** For a new connection: null passes it through, N cuts it once N client→server bytes have passed. */
export type CutRule = () => number | null;

export interface CuttingProxy {
  readonly port: number;
  /** Client connections accepted so far. */
  readonly connections: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Applies to connections accepted from now on. */
  setCut(fn: CutRule): void;
  /** Destroys every socket and stops listening. */
  close(): Promise<void>;
}

// An RST rather than a FIN: a dropped network gives the peers no orderly goodbye,
// and code under test must not mistake the cut for a completed exchange.
function hardCut(s: net.Socket): void {
  if (!s.destroyed) s.resetAndDestroy();
}

/** A TCP proxy on 127.0.0.1 (any free port) in front of 127.0.0.1:targetPort. */
export async function startCuttingProxy(targetPort: number, opts: { cutAfterBytes?: CutRule } = {}): Promise<CuttingProxy> {
  let rule: CutRule = opts.cutAfterBytes ?? (() => null);
  let connections = 0;
  let cuts = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  // Half-open allowed on both legs, so a client that ends its side after a request still
  // gets the whole answer, exactly as without the proxy.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    track(client);
    const limit = rule();
    if (limit !== null && limit <= 0) {
      cuts++;
      hardCut(client);
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true });
    track(upstream);
    // Whatever one leg suffers, the other hears of it as a reset.
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => hardCut(b));
      a.on('close', () => {
        if (!b.destroyed && !b.writableEnded) hardCut(b);
      });
    }
    upstream.pipe(client);
    if (limit === null) {
      client.pipe(upstream);
      return;
    }
    let passed = 0;
    let cutting = false;
    client.on('data', (chunk: Buffer) => {
      if (cutting) return;
      const room = limit - passed;
      if (chunk.length < room) {
        passed += chunk.length;
        if (!upstream.write(chunk)) {
          client.pause();
          upstream.once('drain', () => client.resume());
        }
        return;
      }
      passed = limit;
      cutting = true;
      client.pause();
      cuts++;
      // The last allowed bytes must reach the server before the cut, or N would be a lie.
      upstream.write(chunk.subarray(0, room), () => {
        hardCut(client);
        hardCut(upstream);
      });
    });
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    setCut(fn: CutRule) {
      rule = fn;
    },
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      sockets.clear();
      return closed;
    },
  };
}
