#!/usr/bin/env node
// Runs the compiled CLI (dist/main.js). When src/ changed since the last build, compiles it first
// (scripts/build.mjs says how staleness is checked). Without a usable build (no TypeScript
// compiler installed, a failing build, or FREEWIRE_FROM_SOURCE=1) it runs the TypeScript sources
// through tsx instead, as before there was a build: same behaviour, slower start.
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '../scripts/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let entry = process.env.FREEWIRE_FROM_SOURCE === '1' ? undefined : ensureBuilt(root);
if (entry) {
  // Node 22.1+ keeps the bytecode of every module it loads (checked against each file's
  // contents, so a rebuild never runs stale code), so later starts skip most parsing. Node 20
  // has no such cache and starts without it.
  module.enableCompileCache?.(path.join(root, 'dist', '.node-compile-cache'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = path.join(root, 'src/main.ts');
}
const { run } = await import(pathToFileURL(entry).href);
await run(process.argv);
