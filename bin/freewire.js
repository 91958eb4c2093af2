#!/usr/bin/env node
// Runs the TypeScript CLI directly (no build step): tsx compiles src/ on the fly and caches it.
import { register } from 'tsx/esm/api';

register();
const { run } = await import(new URL('../src/main.ts', import.meta.url).href);
await run(process.argv);
