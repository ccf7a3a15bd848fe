import { opaqueLib, PAIRING_KEY_STRETCHING } from '../../common/pairingBinding';
import type { DB } from '../../common/database';
import { issuePairedDevice, startPairingExchange, verifyPairingExchange, type PairedDevice } from '../../hub/pairing';

/**
 * A camera's OPAQUE pairing run against the hub's pairing functions directly, without HTTP:
 * for unit tests of what a code redeems (the HTTP exchange is test/hub/pairingPake.test.ts).
 * Call after pakeReady().
 */
export function pairInProcess(db: DB, code: string, name: string, now = Date.now()): PairedDevice {
  const opaque = opaqueLib();
  const login = opaque.client.startLogin({ password: code });
  const { exchange, ke2 } = startPairingExchange(db, login.startLoginRequest, now);
  const finished = opaque.client.finishLogin({ clientLoginState: login.clientLoginState, loginResponse: ke2, password: code, keyStretching: PAIRING_KEY_STRETCHING });
  if (!finished) throw new Error('wrong pairing code');
  verifyPairingExchange(exchange, finished.finishLoginRequest);
  return issuePairedDevice(db, exchange, name, now);
}
