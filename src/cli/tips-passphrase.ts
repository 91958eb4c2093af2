/**
 * Tip line passphrases for the CLI: read from a pipe, never from argv (which every local user
 * can read with ps) or an interactive prompt (which scripts and `sudo -u` runs cannot answer).
 */
import { CliError } from './output.js';

const MAX_STDIN_BYTES = 64 * 1024;
const MAX_PASSPHRASES = 32;
const MAX_PASSPHRASE_CHARS = 1024;

/** The rule `tips setup` applies is the setup page's (public/tips/tip-crypto.mjs). */
export { PASSPHRASE_RULE } from '../../public/tips/tip-crypto.mjs';

/**
 * Every passphrase on stdin, one per line (several lines: several passphrases, for the keys of
 * earlier rotations). Line ends (\n or \r\n) are not part of a passphrase; empty lines are skipped.
 */
export async function readPassphrasesFromStdin(usage: string): Promise<string[]> {
  const example = `For example: printf '%s\\n' "$PASSPHRASE" | ${usage}`;
  if (process.stdin.isTTY) throw new CliError('--passphrase-stdin reads the passphrase from a pipe, not from the terminal', example);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES) throw new CliError('the input on stdin is far too long for passphrases');
    chunks.push(chunk);
  }
  const lines = Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
    .filter((line) => line !== '');
  if (lines.length === 0) throw new CliError('no passphrase on stdin', example);
  if (lines.length > MAX_PASSPHRASES) throw new CliError(`stdin has ${lines.length} lines; give at most ${MAX_PASSPHRASES} passphrases, one per line`);
  if (lines.some((line) => line.length > MAX_PASSPHRASE_CHARS)) throw new CliError(`a passphrase is longer than ${MAX_PASSPHRASE_CHARS} characters`);
  return lines;
}

export { passphraseProblem } from '../../public/tips/tip-crypto.mjs';
