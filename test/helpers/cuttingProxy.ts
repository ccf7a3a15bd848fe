import { startNetworkProxy, type CutRule, type NetworkProxy } from '../../simulator/networkProxy';

/*
 * The tests' cutting proxy is the simulator's flaky network (simulator/networkProxy.ts),
 * started in front of a port on 127.0.0.1 with only its per-connection cut rule.
 */

export type { CutRule };
export type CuttingProxy = NetworkProxy;

/** A TCP proxy on 127.0.0.1 (any free port) in front of 127.0.0.1:targetPort. */
export function startCuttingProxy(targetPort: number, opts: { cutAfterBytes?: CutRule } = {}): Promise<CuttingProxy> {
  return startNetworkProxy({ targetPort, ...opts });
}
