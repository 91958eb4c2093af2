/**
 * The `freewire` command line (bin/freewire.js runs this file through tsx). The commands are
 * listed in src/cli/program.ts; run `freewire --help` for them and their examples.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildProgram } from './cli/program.js';
import { reportError } from './cli/output.js';

export async function run(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (err) {
    reportError(err);
  }
}

// Also runnable directly: `node --import tsx src/main.ts start`.
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Not awaited at the top level: the bundle (scripts/build.mjs) is CommonJS. run() reports its own errors.
if (isEntryPoint()) void run();
