// `npm test` (plain `mocha`) runs every test; `mocha dist/test/…/x.test.js` runs only the files
// named (mocha would otherwise add the config's spec to them and run the whole suite).
// `npm run test:unit` uses .mocharc.unit.json instead.
const named = process.argv.slice(2).some((arg) => /\.test\.js$/.test(arg));

module.exports = {
  ...(named ? {} : { spec: ['dist/test/**/*.test.js'] }),
  require: ['dist/test/helpers/rootHooks.js'],
  timeout: 120000,
  exit: true,
};
