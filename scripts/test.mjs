#!/usr/bin/env node
// The `npm test` entry. Node 20's `node --test` does not expand globs, so we collect the test
// files ourselves and hand them to one `node --test` process.
//
//   npm test                          every *.test.ts / *.test.tsx under src/ and test/
//   npm test -- test/integration      only files under the given paths (files or directories)
//
// Browser tests (test/browser) are included; they skip themselves with a one-line reason when
// Chromium is missing (and fail in CI).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_FILE = /\.test\.tsx?$/;

/** @param {string} dir @param {string[]} out */
function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code === 'ENOENT') return;
    throw err;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.isFile() && TEST_FILE.test(entry.name)) out.push(full);
  }
}

const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['src', 'test'];
/** @type {string[]} */
const files = [];
for (const arg of roots) {
  const full = path.resolve(root, arg);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    console.error(`test: no such file or directory: ${arg}`);
    process.exit(2);
  }
  if (stat.isDirectory()) collect(full, files);
  else files.push(full);
}

const unique = [...new Set(files.map((f) => path.relative(root, f)))].sort();
if (unique.length === 0) {
  console.error(`test: no *.test.ts or *.test.tsx files under ${roots.join(', ')}`);
  process.exit(1);
}

// Two test files at a time: each file creates its own databases (a temp SQLite file, its own
// PostgreSQL database) and browser tests start their servers on free ports, so files do not
// share state. Two matches the 2-core CI machine and roughly halves the suite's wall time, which
// is what lets CI run the whole suite on two Node versions. FREEWIRE_TEST_CONCURRENCY overrides
// it (1 gives predictable timings and interleaving-free output when chasing a failure).
const concurrency = process.env.FREEWIRE_TEST_CONCURRENCY ?? '2';
if (!/^[1-9]\d*$/.test(concurrency)) {
  console.error(`test: FREEWIRE_TEST_CONCURRENCY must be a positive integer, got ${JSON.stringify(concurrency)}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...unique], {
  cwd: root,
  stdio: 'inherit',
});

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => child.kill(signal));
}

child.on('exit', (code, signal) => {
  if (signal) {
    console.error(`test: node --test was killed by ${signal}`);
    process.exit(1);
  }
  process.exit(code ?? 1);
});
