#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI lives in cli/main.ts, compiled to dist/ by `npm run build`.
require('../dist/cli/main.js').main(process.argv).catch((err) => {
  process.stderr.write(`porchlight: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
