import { strict as assert } from 'node:assert';
import { relayFolderProblem, type FolderPlan, type PathStat } from '../../../common/cloud/relayFolderAccess';

/*
 * The hub's "Test" of a folder, judged for the relay's own user (uid 998, group porchlight 997)
 * while the hub runs as porchlight (uid 997). Only permission bits and owners go in.
 */
describe("a folder target judged for the relay's own user", () => {
  const relay = { name: 'porchlight-relay', uid: 998, gids: [997] };
  const names = {
    user: (uid: number) => ({ 0: 'root', 997: 'porchlight', 998: 'porchlight-relay' })[uid] ?? String(uid),
    group: (gid: number) => ({ 0: 'root', 997: 'porchlight' })[gid] ?? String(gid),
    relayGroup: 'porchlight',
  };
  const st = (p: string, uid: number, gid: number, mode: number): PathStat => ({ path: p, uid, gid, mode: 0o40000 | mode });
  const above = [st('/', 0, 0, 0o755), st('/var', 0, 0, 0o755), st('/var/lib', 0, 0, 0o755), st('/var/lib/porchlight', 997, 997, 0o750)];
  const judge = (plan: FolderPlan, folder = '/var/lib/porchlight/cloud') => relayFolderProblem(relay, folder, plan, names);

  it('accepts the installed default folder, 0750 porchlight-relay:porchlight, that the hub itself may not write (it was a false alarm)', () => {
    assert.equal(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 998, 997, 0o750)], exists: true }), null);
  });

  it('refuses a folder the hub made (0700 porchlight), naming the user, the mode and the fix', () => {
    const problem = judge({ chain: [...above, st('/var/lib/porchlight/cloud', 997, 997, 0o700)], exists: true });
    assert.equal(
      problem,
      "the relay's user porchlight-relay cannot write /var/lib/porchlight/cloud: it is 0700 porchlight:porchlight; run: sudo chown porchlight-relay:porchlight /var/lib/porchlight/cloud && sudo chmod 0750 /var/lib/porchlight/cloud",
    );
  });

  it('uses the group bits for the relay\'s group, and the other bits for a stranger\'s folder', () => {
    assert.equal(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 997, 997, 0o770)], exists: true }), null);
    assert.match(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 997, 997, 0o750)], exists: true }) ?? '', /cannot write/);
    assert.equal(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 1000, 1000, 0o777)], exists: true }), null);
    assert.match(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 1000, 1000, 0o775)], exists: true }) ?? '', /0775 1000:1000/);
    // The owner bits rule for the owner even when the group or others have more.
    assert.match(judge({ chain: [...above, st('/var/lib/porchlight/cloud', 998, 997, 0o077)], exists: true }) ?? '', /cannot write/);
  });

  it('refuses a folder behind a parent the relay may not enter', () => {
    const problem = judge({ chain: [st('/', 0, 0, 0o755), st('/srv', 0, 0, 0o700), st('/srv/nas', 998, 997, 0o750)], exists: true }, '/srv/nas');
    assert.equal(problem, "the relay's user porchlight-relay cannot reach /srv/nas: it may not enter /srv (0700 root:root); run: sudo chmod o+x /srv, or choose another folder");
  });

  it('a missing folder: fine when the relay may create it in its nearest parent, else says how to make it', () => {
    assert.equal(judge({ chain: [...above.slice(0, 3), st('/var/lib/porchlight', 998, 997, 0o750)], exists: false }), null);
    assert.equal(
      judge({ chain: above, exists: false }),
      "the relay's user porchlight-relay cannot create /var/lib/porchlight/cloud in /var/lib/porchlight (0750 porchlight:porchlight); run: sudo install -d -m 0750 -o porchlight-relay -g porchlight /var/lib/porchlight/cloud",
    );
  });

  it('a relay running as root may use any folder', () => {
    assert.equal(relayFolderProblem({ name: 'root', uid: 0, gids: [0] }, '/x', { chain: [st('/', 0, 0, 0o700), st('/x', 997, 997, 0o700)], exists: true }, names), null);
  });
});
