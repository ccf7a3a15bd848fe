import { strict as assert } from 'node:assert';
import { parseSnapshotRequest, SnapshotRequests } from '../../camera-agent/snapshotRequests';
import { captureLog } from '../helpers/logCapture';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

function setup(jpeg: () => Promise<Buffer> = () => Promise.resolve(JPEG)) {
  const sent: Array<[string, Buffer]> = [];
  const { log, messages } = captureLog();
  const requests = new SnapshotRequests({ jpeg }, { sendSnapshot: (id, j) => (sent.push([id, j]), Promise.resolve()) }, log);
  return { requests, sent, messages };
}

describe('snapshot requests from the hub (no processes)', () => {
  it('answers a request with the picture, under the id the hub gave', async () => {
    const { requests, sent } = setup();
    await requests.receive(JSON.stringify({ requestId: ID }));
    assert.deepEqual(sent, [[ID, JPEG]]);
  });

  it('ignores a request it does not understand, and says so', async () => {
    const { requests, sent, messages } = setup();
    for (const bad of ['not json', 'null', '5', '{}', JSON.stringify({ requestId: 42 }), JSON.stringify({ requestId: '../../etc/passwd' }), JSON.stringify({ requestId: ID.toUpperCase() })]) {
      await requests.receive(bad);
      assert.equal(parseSnapshotRequest(bad), null, bad);
    }
    assert.deepEqual(sent, []);
    assert.equal(messages('warn').length, 7);
  });

  it('in privacy mode sends nothing, and answers again once live view is allowed', async () => {
    const { requests, sent } = setup();
    requests.setAllowed(false);
    await requests.receive(JSON.stringify({ requestId: ID }));
    assert.deepEqual(sent, []);
    requests.setAllowed(true);
    await requests.receive(JSON.stringify({ requestId: ID }));
    assert.equal(sent.length, 1);
  });

  it('a picture that cannot be made is reported, not thrown', async () => {
    const { requests, sent, messages } = setup(() => Promise.reject(new Error('the camera has no video yet')));
    await requests.receive(JSON.stringify({ requestId: ID }));
    assert.deepEqual(sent, []);
    assert.ok(messages('warn').includes('could not send the picture the hub asked for'));
  });
});
