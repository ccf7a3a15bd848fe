/*
 * Keeps `npm run test:unit` a unit run (`require` in .mocharc.unit.json only): a test there
 * may not start a process (ffmpeg, Chromium, mosquitto, the CLI, oathtool), listen on a socket
 * or connect to one. The first attempt throws, and the run ends failing with the files to
 * move: a test file that needs any of these goes in the "ignore" list of .mocharc.unit.json,
 * and runs in the full `npm test` only.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, which `import * as` would copy
import childProcess = require('node:child_process');

const offenders = new Map<string, Set<string>>();
let currentFile: string | undefined;

/** The test file that asked: the nearest *.test.js on the stack, else the running test's. */
function askingFile(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frame = /(\/[^\s()]*\.test\.js):\d+:\d+/.exec(stack);
  return frame?.[1] ?? currentFile ?? '(a file being loaded)';
}

function refuse(what: string): never {
  const file = askingFile();
  const uses = offenders.get(file) ?? new Set<string>();
  uses.add(what);
  offenders.set(file, uses);
  throw new Error(`a unit test may not ${what}: this file belongs in the "ignore" list of .mocharc.unit.json`);
}

function forbid<T extends object>(target: T, names: Array<keyof T & string>, what: (name: string) => string): void {
  for (const name of names) {
    Object.defineProperty(target, name, { configurable: true, writable: true, value: () => refuse(what(name)) });
  }
}

forbid(childProcess, ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'], (name) => `start a process (child_process.${name})`);
forbid(net.Server.prototype, ['listen'], () => 'listen on a socket');
forbid(net.Socket.prototype, ['connect'], () => 'connect to a socket');
forbid(dgram.Socket.prototype, ['bind', 'connect'], (name) => `${name} a datagram socket`);

function noteTestFile(this: Mocha.Context): void {
  currentFile = this.currentTest?.file;
}

/** Named, as mocha titles a failing hook by its function's name. */
function reportNonUnitTests(): void {
  if (offenders.size === 0) return;
  const list = [...offenders].map(([file, uses]) => `    ${file.replace(/^.*?dist\//, 'dist/')}: ${[...uses].join(', ')}`);
  throw new Error(`these test files are not unit tests; add them to "ignore" in .mocharc.unit.json:\n${list.join('\n')}`);
}

export const mochaHooks = { beforeEach: noteTestFile, afterAll: reportNonUnitTests };
