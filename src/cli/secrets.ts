/** Passwords for the CLI: read from a pipe (never from argv, which other users can see in ps). */
import { randomToken } from '../util/ids.js';
import { CliError } from './output.js';

const MAX_STDIN_BYTES = 64 * 1024;

export async function readPasswordFromStdin(usage: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new CliError('--password-stdin reads the password from a pipe, not from the terminal', `For example: printf '%s\\n' "$PASSWORD" | ${usage}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_STDIN_BYTES) throw new CliError('the password on stdin is far too long');
    chunks.push(chunk);
  }
  // `echo` and here-strings add one newline; it is not part of the password.
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (password === '') throw new CliError('no password on stdin', `For example: printf '%s\\n' "$PASSWORD" | ${usage}`);
  return password;
}

/** 96 random bits, URL-safe: easy to paste, impossible to guess. */
export function generatePassword(): string {
  return randomToken(12);
}
