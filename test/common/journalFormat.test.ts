import { strict as assert } from 'node:assert';
import { journalLine, stderrIsJournal, syslogPriority } from '../../common/journalFormat';

describe('journal log lines', () => {
  it('gives each pino level its syslog priority, so journalctl -p filters by level', () => {
    assert.deepEqual([10, 20, 30, 40, 50, 60].map(syslogPriority), [7, 7, 6, 4, 3, 2]);
  });

  it('writes the namespace, the message and the other fields, without what the journal records itself', () => {
    const line = JSON.stringify({ level: 40, time: 1, pid: 9, name: 'agent:frontdoor', module: 'capture', msg: 'ffmpeg exited', code: 1 });
    assert.equal(journalLine(line + '\n'), '<4>agent:frontdoor/capture: ffmpeg exited {"code":1}\n');
    assert.equal(journalLine(JSON.stringify({ level: 30, name: 'hub', msg: 'hub listening' })), '<6>hub: hub listening\n');
  });

  it('keeps a multi-line message as one journal entry and passes non-JSON through', () => {
    assert.equal(journalLine(JSON.stringify({ level: 50, name: 'relay', msg: 'a\nb' })), '<3>relay: a | b\n');
    assert.equal(journalLine('plain text\n'), 'plain text\n');
  });

  it('is used only when stderr is the very stream systemd connected', () => {
    assert.equal(stderrIsJournal('8:1234', { dev: 8, ino: 1234 }), true);
    assert.equal(stderrIsJournal('8:1234', { dev: 8, ino: 99 }), false, 'stderr redirected to a file');
    assert.equal(stderrIsJournal(undefined, { dev: 8, ino: 1234 }), false);
  });
});
