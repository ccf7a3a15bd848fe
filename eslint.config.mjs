// ESLint over the whole repository (`npm run lint`, and in .ci/run): typescript-eslint's
// type-aware recommended rules for the TypeScript — the Node side and the tests through
// tsconfig.json, the browser UI through tsconfig.ui.json — and ESLint's recommended rules for
// the few JavaScript files. Every rule switched off or tuned here says why, in one line.
// An `eslint-disable` comment in the code names a rule from here and gives its reason after `--`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** An `eslint-disable` comment must say why, after ` -- ` (ESLint's own place for a reason). */
const disableNeedsReason = {
  meta: { type: 'suggestion', schema: [], messages: { reason: "say why the rule does not apply here, after ' -- '" } },
  create(context) {
    return {
      Program() {
        for (const comment of context.sourceCode.getAllComments()) {
          if (/^\s*eslint-disable(-line|-next-line)?(\s|$)/.test(comment.value) && !/\s--\s*\S/.test(comment.value)) {
            context.report({ loc: comment.loc, messageId: 'reason' });
          }
        }
      },
    };
  },
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'demo-data/', '.bench-cache/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { porchlight: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: { 'porchlight/disable-needs-reason': 'error' },
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      // Named projects rather than projectService: the UI's tsconfig is not called tsconfig.json.
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // An async function without await is deliberate here: Fastify handlers, interface
      // implementations (upload targets, mailers) and test doubles return promises by contract.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a value left out on purpose (`{ secret: _s, ...rest }`, a callback's unused argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The browser UI has its own compiler options (DOM, bundler resolution).
    files: ['hub/ui/src/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.ui.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Event listeners are async on purpose; guard() in dom.ts catches and shows whatever they throw.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // The service worker runs in a worker, not a page: its own compiler options (WebWorker).
    files: ['hub/ui/worker/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.sw.json', tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read JSON responses as `any` (TestResponse.json) and let their assertions check the shape.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='skip']", message: 'skip with skipBecause(this, reason) from test/helpers/skip: the run counts skipped tests by reason, and CI fails on any' },
        { selector: 'CallExpression[callee.name=/^x(it|describe|context)$/]', message: 'skip with skipBecause(this, reason) from test/helpers/skip: the run counts skipped tests by reason, and CI fails on any' },
        { selector: "CallExpression[callee.property.name='only']", message: '.only would leave the rest of the suite unrun' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', URL: 'readonly', Buffer: 'readonly' },
    },
  },
  {
    files: ['bin/*.js', '.mocharc.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable' } },
  },
);
