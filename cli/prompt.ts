import { readFileSync } from 'node:fs';
import * as readline from 'node:readline';
import { Writable } from 'node:stream';

/** Reads a secret from a file (first line) for scripts, or from a prompt that does not echo. */
export async function readSecret(question: string, file?: string): Promise<string> {
  if (file) {
    const value = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
    if (!value) throw new Error(`${file} is empty`);
    return value;
  }
  if (!process.stdin.isTTY) throw new Error(`${question.replace(/:\s*$/, '')} is needed: give it with a file option (no terminal to ask on)`);
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => {
        process.stderr.write('\n');
        resolve(answer);
      });
      muted = true;
    });
  } finally {
    rl.close();
  }
}
