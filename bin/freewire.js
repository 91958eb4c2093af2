#!/usr/bin/env node
// Runs the compiled CLI (dist/main.js, which loads the esbuild bundle in dist/bundle/). When src/ changed since the last build, compiles it first
// (scripts/build.mjs says how staleness is checked). Without a usable build (no TypeScript
// compiler installed, a failing build, or FREEWIRE_FROM_SOURCE=1) it runs the TypeScript sources
// through tsx instead, as before there was a build: same behaviour, slower start.
import { readFileSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '../scripts/build.mjs';

/**
 * Stack traces name the TypeScript sources (from dist/bundle/*.js.map) instead of lines of the
 * bundle. Node's own --enable-source-maps reads and parses every map as its module loads, which
 * cost the start a quarter of a second; here a map is read the first time a stack through its
 * file is formatted, which on a healthy server is never.
 */
function mapStackTraces(bundleDir) {
  const prefix = `${pathToFileURL(bundleDir).href}/`;
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
    const url = frame.getFileName();
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    const text = String(frame);
    if (!url?.startsWith(prefix) || !line || !column) return text;
    const file = fileURLToPath(url);
    const entry = mapOf(file)?.findEntry(line - 1, column - 1);
    if (!entry?.originalSource) return text;
    const source = path.resolve(path.dirname(file), entry.originalSource);
    return text.replace(`${url}:${line}:${column}`, `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`);
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
const { run } = await import(pathToFileURL(entry).href);
await run(process.argv);
