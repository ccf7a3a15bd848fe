import { strict as assert } from 'node:assert';
import { SnapshotRequests, SnapshotTimeout } from '../../hub/snapshotRequests';

describe('snapshot requests: pictures asked of cameras and not yet answered', () => {
  it('shares one request between browsers asking the same camera at once, and answers them all', async () => {
    const requests = new SnapshotRequests(5000);
    const sent: string[] = [];
    const first = requests.ask('cam-a', (id) => (sent.push(id), true));
    const second = requests.ask('cam-a', (id) => (sent.push(id), true));
    assert.equal(sent.length, 1, 'the camera is asked once');
    assert.equal(requests.awaits('cam-b', sent[0]!), false, 'another camera cannot answer it');
    assert.equal(requests.deliver('cam-b', sent[0]!, Buffer.from('x')), false);
    assert.equal(requests.deliver('cam-a', sent[0]!, Buffer.from('jpeg')), true);
    assert.deepEqual(await first, Buffer.from('jpeg'));
    assert.deepEqual(await second, Buffer.from('jpeg'));
    assert.equal(requests.deliver('cam-a', sent[0]!, Buffer.from('again')), false, 'answered once');
    const next = requests.ask('cam-a', (id) => (sent.push(id), true));
    assert.equal(sent.length, 2, 'the next ask is a new request');
    // Answered too, so no request is left to time out after the test.
    assert.equal(requests.deliver('cam-a', sent[1]!, Buffer.from('next')), true);
    assert.deepEqual(await next, Buffer.from('next'));
  });

  it('gives up after its timeout, and answers null at once when the camera cannot be told', async () => {
    const requests = new SnapshotRequests(30);
    let id = '';
    const picture = requests.ask('cam-a', (i) => ((id = i), true));
    await assert.rejects(picture!, SnapshotTimeout);
    assert.equal(requests.awaits('cam-a', id), false);
    assert.equal(requests.ask('cam-b', () => false), null);
  });
});
