// `npm test` (plain `mocha`) runs every test; `mocha dist/test/…/x.test.js` runs only the files
// named (mocha would otherwise add the config's spec to them and run the whole suite).
// `npm run test:unit` uses .mocharc.unit.json instead.
const named = process.argv.slice(2).some((arg) => /\.test\.js$/.test(arg));

// The whole run goes two files at a time (mocha's parallel mode, one worker process per file):
// most integration tests wait on real time (reconnects, kills, clips of real length), so two
// at once halve the wall time. Measured side by side on CI's 2-core machine, under a load of
// about 10 from other work: 1213 passing in 15 min, against 32 min one file at a time.
// Every test already uses its own free ports and temp dirs, so files do not share anything.
module.exports = {
  ...(named ? {} : { spec: ['dist/test/**/*.test.js'], parallel: true, jobs: 2 }),
  require: ['dist/test/helpers/rootHooks.js'],
  timeout: 120000,
  exit: true,
};
