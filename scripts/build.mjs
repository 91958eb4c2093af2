#!/usr/bin/env node
// Compiles src/ to dist/ with tsc (tsconfig.build.json) so `freewire` starts without compiling
// TypeScript at every start.
//
//   node scripts/build.mjs             build now (type-checks; exits 1 on type errors)
//   node scripts/build.mjs --if-stale  build only when src/ changed since the last build
//   node scripts/build.mjs --optional  never fail (the install step: without TypeScript, or with
//                                      a broken build, bin/freewire.js falls back to tsx)
//
// Staleness: the stamp (dist/.build-stamp) is a SHA-256 over the path, size and mtime of every
// file under src/ that the build compiles (tests are left out) plus the two tsconfig files. Any
// edit, new file or deletion changes it; checking it costs one stat per file (a few ms), not a
// read. The stamp is written only after tsc succeeds, so a failed build is retried next time.
//
// dist/ mirrors src/ one level below the package root (dist/http/static.js where src has
// src/http/static.ts), so paths the code finds relative to its own file (../../public, the
// tip crypto module) resolve to the same files from either.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const OUT_DIR = 'dist';
const STAMP = '.build-stamp';
const LOCK = '.build-lock';
const TEST_FILE = /\.test\.tsx?$/;
const SOURCE_FILE = /\.tsx?$/;
/** A lock older than this belongs to a build that died without cleaning up. */
const LOCK_STALE_MS = 10 * 60_000;

/** Files whose change means the compiled output is out of date, relative to root, sorted. */
export function inputFiles(root) {
  const files = ['tsconfig.json', 'tsconfig.build.json'].filter((f) => existsSync(path.join(root, f)));
  for (const rel of readdirSync(path.join(root, 'src'), { recursive: true })) {
    const name = String(rel);
    if (TEST_FILE.test(name)) continue;
    const full = path.join(root, 'src', name);
    if (statSync(full).isFile()) files.push(path.join('src', name).split(path.sep).join('/'));
  }
  return files.sort();
}

/** The stamp of the sources as they are now. */
export function sourceStamp(root) {
  const hash = createHash('sha256');
  for (const rel of inputFiles(root)) {
    const { size, mtimeMs } = statSync(path.join(root, rel));
    hash.update(`${rel}\0${size}\0${mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function readStamp(root) {
  try {
    return readFileSync(path.join(root, OUT_DIR, STAMP), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The compiled entry point. */
export function compiledMain(root) {
  return path.join(root, OUT_DIR, 'main.js');
}

/** True when dist/ holds a build of the sources as they are now. */
export function isFresh(root) {
  return existsSync(compiledMain(root)) && readStamp(root) === sourceStamp(root);
}

/** The TypeScript compiler of this install, or undefined (a production install without devDependencies). */
export function findTsc(root) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

/** Compiled files whose source is gone (a deleted or renamed module), so they cannot be imported by mistake. */
function pruneOrphans(root) {
  const out = path.join(root, OUT_DIR);
  for (const rel of readdirSync(out, { recursive: true })) {
    const name = String(rel);
    const m = /^(.*)\.js(?:\.map)?$/.exec(name);
    if (!m) continue;
    const base = path.join(root, 'src', m[1]);
    if (!existsSync(`${base}.ts`) && !existsSync(`${base}.tsx`)) rmSync(path.join(out, name));
  }
}

/** True when the process that took the lock is gone (killed mid-build, e.g. by Ctrl-C). */
function lockHolderGone(lock) {
  try {
    const pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return err.code === 'ESRCH';
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Holds dist/.build-lock while fn runs, so processes started together (a test run, two
 * terminals) compile once: the others wait for the lock and then find a fresh build.
 */
function withLock(root, fn) {
  const out = path.join(root, OUT_DIR);
  mkdirSync(out, { recursive: true });
  const lock = path.join(out, LOCK);
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lock).mtimeMs;
      } catch {
        continue; // released between our two calls
      }
      if (age > LOCK_STALE_MS || lockHolderGone(lock)) rmSync(lock, { recursive: true, force: true });
      else sleepSync(100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Runs tsc -p tsconfig.build.json and writes the stamp on success.
 * @returns {{ ok: true } | { ok: false, reason: 'no-typescript' | 'failed', output: string }}
 */
export function build(root, opts = {}) {
  const tsc = findTsc(root);
  if (!tsc) return { ok: false, reason: 'no-typescript', output: '' };
  return withLock(root, () => {
    // Another process may have finished the same build while we waited for the lock.
    if (opts.ifStale && isFresh(root)) return { ok: true, skipped: true };
    const stamp = sourceStamp(root);
    // tsc's incremental state says what it emitted; without the entry point it is wrong.
    if (!existsSync(compiledMain(root))) rmSync(path.join(root, OUT_DIR, '.tsbuildinfo'), { force: true });
    const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
    if (result.status !== 0) return { ok: false, reason: 'failed', output };
    pruneOrphans(root);
    writeFileSync(path.join(root, OUT_DIR, STAMP), `${stamp}\n`);
    return { ok: true, skipped: false };
  });
}

/**
 * What `freewire` runs: the compiled entry point, rebuilt first when src/ changed; undefined
 * when it cannot be had (then the caller runs the sources through tsx). `notice` gets one line
 * per thing worth telling the operator.
 */
export function ensureBuilt(root, notice = (line) => process.stderr.write(`${line}\n`)) {
  if (isFresh(root)) return compiledMain(root);
  if (!findTsc(root)) {
    notice('freewire: no compiled build and no TypeScript compiler installed; running the sources through tsx (slower start)');
    return undefined;
  }
  notice('freewire: compiling TypeScript (src/ changed since the last build)…');
  const started = Date.now();
  const result = build(root, { ifStale: true });
  if (!result.ok) {
    notice('freewire: the build failed (run `npm run build` to see why); running the sources through tsx (slower start)');
    return undefined;
  }
  if (!result.skipped) notice(`freewire: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return compiledMain(root);
}

function main(argv) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const ifStale = argv.includes('--if-stale');
  const optional = argv.includes('--optional');
  if (ifStale && isFresh(root)) {
    console.log('build: dist/ is up to date');
    return 0;
  }
  const result = build(root, { ifStale });
  if (result.ok) {
    console.log(result.skipped ? 'build: dist/ is up to date' : 'build: compiled src/ to dist/');
    return 0;
  }
  if (result.reason === 'no-typescript') {
    console.error('build: TypeScript is not installed (devDependencies left out?); freewire will run the sources through tsx');
  } else {
    process.stderr.write(result.output);
    console.error('build: tsc failed');
  }
  return optional ? 0 : 1;
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
