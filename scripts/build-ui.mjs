#!/usr/bin/env node
// Bundles the web UI (hub/ui/src/main.ts) into one minified script beside its page and
// stylesheet, and reports what a browser downloads, raw and gzipped (a Pi serves it).
// The common-password list is its own module (common-passwords.js, with a .gz beside it),
// fetched by the page only when someone chooses a new password.
// Usage: node scripts/build-ui.mjs [--out DIR]   (default dist/ui)
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appIcons } from './lib/appIcons.mjs';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
if (outIndex !== -1 && !args[outIndex + 1]) {
  console.error('build-ui: --out needs a directory');
  process.exit(2);
}
const out = path.resolve(outIndex === -1 ? path.join(root, 'dist', 'ui') : args[outIndex + 1]);
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [path.join(root, 'hub', 'ui', 'src', 'commonPasswordList.ts')],
  outfile: path.join(out, 'common-passwords.js'),
  bundle: true,
  minify: true,
  // Loaded with import() from the page's script.
  format: 'esm',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning',
});
const listModule = readFileSync(path.join(out, 'common-passwords.js'));
// The hub serves it for a year, immutable: the hash in the address changes with the list.
const listVersion = createHash('sha256').update(listModule).digest('hex').slice(0, 16);

// How the page and its service worker are bundled: one minified script each, for what every
// browser of the last few years runs, phones included.
const bundled = { bundle: true, minify: true, format: 'iife', target: 'es2020', legalComments: 'none', logLevel: 'warning' };
await build({
  entryPoints: [path.join(root, 'hub', 'ui', 'src', 'main.ts')],
  define: { PORCHLIGHT_COMMON_PASSWORDS_URL: JSON.stringify(`/common-passwords.js?v=${listVersion}`) },
  outfile: path.join(out, 'app.js'),
  ...bundled,
});
for (const file of ['index.html', 'app.css', 'manifest.webmanifest']) copyFileSync(path.join(root, 'hub', 'ui', file), path.join(out, file));
mkdirSync(path.join(out, 'icons'), { recursive: true });
const icons = appIcons();
for (const [file, png] of Object.entries(icons)) writeFileSync(path.join(out, 'icons', file), png);

// The service worker: its cache is named for the shell it keeps, so a new build's page replaces the old one's.
const shellHash = createHash('sha256');
for (const file of ['index.html', 'app.css', 'app.js', 'manifest.webmanifest', ...Object.keys(icons).map((f) => path.join('icons', f))]) shellHash.update(readFileSync(path.join(out, file)));
await build({
  entryPoints: [path.join(root, 'hub', 'ui', 'worker', 'sw.ts')],
  define: { PORCHLIGHT_SHELL_VERSION: JSON.stringify(shellHash.digest('hex').slice(0, 16)) },
  outfile: path.join(out, 'sw.js'),
  ...bundled,
});

// The hub sends these gzipped as they are, so a Pi compresses nothing at run time.
for (const file of ['index.html', 'app.css', 'app.js', 'common-passwords.js', 'sw.js', 'manifest.webmanifest']) writeFileSync(path.join(out, `${file}.gz`), gzipSync(readFileSync(path.join(out, file)), { level: 9 }));

const measure = (file) => {
  const bytes = readFileSync(path.join(out, file));
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
};
const sizes = {};
for (const file of ['index.html', 'app.css', 'app.js']) sizes[file] = measure(file);
const total = Object.values(sizes).reduce((sum, s) => sum + s.gzipBytes, 0);
// Not in the total: only a page where a new password is chosen fetches it, once.
const lazy = { 'common-passwords.js': measure('common-passwords.js') };
writeFileSync(path.join(out, 'bundle-size.json'), `${JSON.stringify({ files: sizes, totalGzipBytes: total, onDemand: lazy }, null, 2)}\n`);
if (!process.env.npm_config_loglevel || process.env.npm_config_loglevel !== 'silent') {
  console.log(
    `web UI: ${Object.entries(sizes).map(([f, s]) => `${f} ${(s.gzipBytes / 1024).toFixed(1)} KiB`).join(', ')} gzipped; ${(total / 1024).toFixed(1)} KiB in all` +
      `; on demand: common-passwords.js ${(lazy['common-passwords.js'].gzipBytes / 1024).toFixed(1)} KiB`,
  );
}
