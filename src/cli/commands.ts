/** Helpers every command definition uses (src/cli/program.ts and its command groups). */
import { reportError } from './output.js';

/** An "Examples:" block for a command's help, commands aligned. */
export function examples(lines: Array<[string, string]>): string {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  return `\nExamples:\n${lines.map(([cmd, what]) => `  $ ${cmd.padEnd(width)}  # ${what}`).join('\n')}\n`;
}

/** Runs an action; any error becomes one "freewire: …" line and exit code 1. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err);
    }
  };
}
