#!/usr/bin/env node
// Runs the compiled CLI: dist/main.js names the esbuild bundle (dist/bundle/main.cjs), run here
// with V8's code cache (loadBundle). When src/ changed since the last build, compiles it first
// (scripts/build.mjs says how staleness is checked). Without a usable build (no TypeScript
// compiler installed, a failing build, or FREEWIRE_FROM_SOURCE=1) it runs the TypeScript sources
// through tsx instead, as before there was a build: same behaviour, slower start.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { ensureBuilt } from '../scripts/build.mjs';

/**
 * Stack traces name the TypeScript sources (from dist/bundle/main.cjs.map) instead of lines of the
 * bundle. Node's own --enable-source-maps reads and parses every map as its module loads, which
 * cost the start a quarter of a second; here a map is read the first time a stack through its
 * file is formatted, which on a healthy server is never.
 */
function mapStackTraces(bundleDir) {
  const prefix = `${bundleDir}${path.sep}`;
  /** @type {Map<string, module.SourceMap | undefined>} */
  const maps = new Map();
  const mapOf = (file) => {
    if (!maps.has(file)) {
      try {
        maps.set(file, new module.SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
      } catch {
        maps.set(file, undefined);
      }
    }
    return maps.get(file);
  };
  const where = (frame) => {
    const file = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const text = String(frame);
    if (!file?.startsWith(prefix) || !line || !column) return text;
    const entry = mapOf(file)?.findEntry(line - 1, column - 1);
    if (!entry?.originalSource) return text;
    const source = path.resolve(path.dirname(file), entry.originalSource);
    return text.replace(`${file}:${line}:${column}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
  };
  Error.prepareStackTrace = (error, frames) => {
    let header;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    return frames.length === 0 ? header : `${header}\n${frames.map((frame) => `    at ${where(frame)}`).join('\n')}`;
  };
}

/**
 * Runs the CommonJS bundle (scripts/build.mjs) with V8's code cache: the first start after a
 * build compiles it as usual and, once started, saves the compiled code (including the functions
 * the start ran, which V8 otherwise compiles one by one on first call); later starts skip most
 * parsing and compiling. Node 22's module.enableCompileCache does this for ES modules; Node 20 has
 * only this. The cache is named by the bundle's size and mtime, so a rebuild never meets an old
 * one (V8 also refuses a cache from another V8 version or other flags; then it is made again).
 * @returns {{ exports: { run: (argv: string[]) => Promise<void> }, saveCache: () => void }}
 */
function loadBundle(file) {
  const source = readFileSync(file, 'utf8');
  const { size, mtimeMs } = statSync(file);
  const cacheDir = path.join(path.dirname(file), '.code-cache');
  const cacheFile = path.join(cacheDir, `${path.basename(file)}-${size}-${String(mtimeMs).replace('.', '_')}.bin`);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(module.wrap(source), { filename: file, cachedData });
  const fresh = cachedData === undefined || script.cachedDataRejected === true;
  cachedData = undefined; // not kept for the life of the process
  const mod = { exports: {}, filename: file };
  script.runInThisContext().call(mod.exports, mod.exports, module.createRequire(file), mod, file, path.dirname(file));
  const saveCache = () => {
    if (!fresh) return;
    try {
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${cacheFile}.${process.pid}`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
      for (const name of readdirSync(cacheDir)) if (path.join(cacheDir, name) !== cacheFile) rmSync(path.join(cacheDir, name), { force: true });
    } catch {
      // A read-only install starts without the cache; nothing else changes.
    }
  };
  return { exports: mod.exports, saveCache };
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let entry = process.env.FREEWIRE_FROM_SOURCE === '1' ? undefined : ensureBuilt(root);
if (entry) {
  // Node 22.1+ keeps the bytecode of every module it loads (checked against each file's
  // contents, so a rebuild never runs stale code), so later starts skip most parsing. Node 20
  // has no such cache and starts without it.
  module.enableCompileCache?.(path.join(root, 'dist', '.node-compile-cache'));
  mapStackTraces(path.join(root, 'dist', 'bundle'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(root, 'src/main.ts');
}
const compiled = await import(pathToFileURL(entry).href);
// dist/main.js names the bundle (or, built without esbuild, is the CLI itself); tsx runs src/main.ts.
const bundle = compiled.bundle ? loadBundle(fileURLToPath(compiled.bundle)) : undefined;
const { run } = bundle ? bundle.exports : compiled;
await run(process.argv);
// After the command's work (for `start`: once the site answers), so the cache holds what a start compiles.
bundle?.saveCache();
