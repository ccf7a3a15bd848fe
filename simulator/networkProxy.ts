import * as net from 'node:net';

/*
 * The flaky virtual network: a TCP proxy put between a camera agent and the hub (or any
 * client and server) that can cut, stall, delay and drop. Used by the tests and, through
 * `porchlight sim network`, by developers. It works below TLS, so the agent's pinned
 * connection to the hub is untouched: only the network under it misbehaves.
 *
 * - down: open connections are reset, new ones reset at once (a pulled cable, a hub off).
 * - stall: connections stay open but nothing moves in either direction until the network
 *   is up again (a Wi-Fi that hangs); new connections are accepted and stall too.
 * - delay: every chunk waits this long before it is passed on (order kept).
 * - drop: this fraction of new connections is reset at once.
 * - cutAfterBytes: a rule per new connection; N cuts it once N client→server bytes passed.
 */

/** For a new connection: null passes it through, N cuts it once N client→server bytes have passed. */
export type CutRule = () => number | null;

export type NetworkState = 'up' | 'down' | 'stall';

export interface NetworkProxyOptions {
  /** Where the real server listens. */
  targetPort: number;
  targetHost?: string;
  /** Where the proxy listens (default 127.0.0.1, any free port). */
  listenHost?: string;
  listenPort?: number;
  cutAfterBytes?: CutRule;
  delayMs?: number;
  dropRate?: number;
  /** In [0, 1), for dropRate; injectable so tests can pin it. */
  random?: () => number;
}

export interface NetworkProxy {
  readonly port: number;
  readonly state: NetworkState;
  /** Client connections accepted so far. */
  readonly connections: number;
  /** Connections cut (reset) so far, by a rule, down(), cutAll() or a drop. */
  readonly cuts: number;
  /** Bytes passed client→server and server→client. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  up(): void;
  down(): void;
  stall(): void;
  /** Resets every open connection once; the network stays as it is. */
  cutAll(): number;
  setDelay(ms: number): void;
  setDropRate(rate: number): void;
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

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new RangeError(`delay must be 0–600000 ms, not ${ms}`);
  return ms;
}

function checkRate(rate: number): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new RangeError(`drop rate must be a fraction 0–1, not ${rate}`);
  return rate;
}

/** Starts the proxy in front of targetHost:targetPort. */
export async function startNetworkProxy(opts: NetworkProxyOptions): Promise<NetworkProxy> {
  const targetHost = opts.targetHost ?? '127.0.0.1';
  let rule: CutRule = opts.cutAfterBytes ?? (() => null);
  let delayMs = checkDelay(opts.delayMs ?? 0);
  let dropRate = checkRate(opts.dropRate ?? 0);
  const random = opts.random ?? Math.random;
  let state: NetworkState = 'up';
  let flowing: Promise<void> = Promise.resolve();
  let letFlow: () => void = () => undefined;
  let connections = 0;
  let cuts = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  const pairs = new Set<[net.Socket, net.Socket | null]>();

  const cutPair = (pair: [net.Socket, net.Socket | null]) => {
    const [client, upstream] = pair;
    if (client.destroyed && (!upstream || upstream.destroyed)) return false;
    hardCut(client);
    if (upstream) hardCut(upstream);
    return true;
  };

  /**
   * Passes chunks one way, in order, honouring stall and delay; an end goes after the bytes
   * before it. `limit` counts bytes for the cut rule (client→server only).
   */
  const leg = (from: net.Socket, to: net.Socket, count: (n: number) => void, limit: number | null, onCut: () => void) => {
    let chain = Promise.resolve();
    let pending = 0;
    let passed = 0;
    let cutting = false;
    const end = () => {
      chain = chain.then(async () => {
        await flowing;
        if (!to.destroyed && !cutting) to.end();
      });
    };
    const push = (chunk: Buffer) => {
      if (cutting) return;
      pending++;
      if (pending > 16) from.pause();
      chain = chain.then(async () => {
        await flowing;
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        await flowing;
        pending--;
        if (pending < 4 && from.isPaused() && !cutting) from.resume();
        if (to.destroyed || cutting) return;
        let piece = chunk;
        let last = false;
        if (limit !== null && passed + chunk.length >= limit) {
          piece = chunk.subarray(0, limit - passed);
          last = true;
          cutting = true;
          from.pause();
        }
        passed += piece.length;
        count(piece.length);
        // The last allowed bytes must reach the server before the cut, or N would be a lie.
        if (piece.length > 0) await new Promise<void>((resolve) => to.write(piece, () => resolve()));
        if (last) onCut();
      });
    };
    return { push, end };
  };

  // Half-open allowed on both legs, so a client that ends its side after a request still
  // gets the whole answer, exactly as without the proxy.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    connections++;
    const pair: [net.Socket, net.Socket | null] = [client, null];
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    const limit = rule();
    if (state === 'down' || (limit !== null && limit <= 0) || (dropRate > 0 && random() < dropRate)) {
      cuts++;
      hardCut(client);
      return;
    }
    const upstream = net.connect({ host: targetHost, port: opts.targetPort, allowHalfOpen: true });
    pair[1] = upstream;
    // Whatever one leg suffers, the other hears of it as a reset.
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => hardCut(b));
      // A clean close is not passed on here: the other leg still owes (maybe delayed) bytes and its end.
      a.on('close', (hadError) => {
        if (hadError && !b.destroyed) hardCut(b);
      });
    }
    const onCut = () => {
      cuts++;
      hardCut(client);
      hardCut(upstream);
    };
    const toServer = leg(client, upstream, (n) => (bytesUp += n), limit, onCut);
    const toClient = leg(upstream, client, (n) => (bytesDown += n), null, onCut);
    client.on('data', toServer.push);
    upstream.on('data', toClient.push);
    client.on('end', toServer.end);
    upstream.on('end', toClient.end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const release = () => {
    letFlow();
    flowing = Promise.resolve();
  };

  return {
    port,
    get state() {
      return state;
    },
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    get bytesUp() {
      return bytesUp;
    },
    get bytesDown() {
      return bytesDown;
    },
    up() {
      state = 'up';
      release();
    },
    down() {
      state = 'down';
      for (const pair of pairs) if (cutPair(pair)) cuts++;
      release();
    },
    stall() {
      if (state === 'stall') return;
      state = 'stall';
      flowing = new Promise<void>((r) => (letFlow = r));
    },
    cutAll() {
      let n = 0;
      for (const pair of pairs) if (cutPair(pair)) n++;
      cuts += n;
      return n;
    },
    setDelay(ms: number) {
      delayMs = checkDelay(ms);
    },
    setDropRate(rate: number) {
      dropRate = checkRate(rate);
    },
    setCut(fn: CutRule) {
      rule = fn;
    },
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const pair of pairs) cutPair(pair);
      pairs.clear();
      release();
      return closed;
    },
  };
}
