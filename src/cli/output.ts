/**
 * How the CLI talks: results on stdout (so they can be piped), progress and hints on stderr,
 * and every failure as one "freewire: …" line (plus an optional help line) with exit code 1.
 * Stack traces only at FREEWIRE_LOG_LEVEL=debug or trace: operators need the cause and what to
 * do, not our call stack.
 */
import { ConfigError } from '../config.js';
import { AppError } from '../errors.js';

/** An operator error: what went wrong and, when we know, what to do about it. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

let showStacks = false;

/** Set once the configuration is loaded (it is the only reader of FREEWIRE_LOG_LEVEL). */
export function setDebug(enabled: boolean): void {
  showStacks = enabled;
}

/** A result line on stdout. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Progress, warnings and hints on stderr, so stdout stays clean for scripts. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The one-line message (and help) for any error the CLI may meet. */
export function describeError(err: unknown): { message: string; help?: string } {
  if (err instanceof CliError) return { message: err.message, help: err.help };
  if (err instanceof ConfigError) return { message: `configuration: ${err.message}`, help: 'Every variable is described in .env.example.' };
  if (err instanceof AppError) {
    let message = err.message;
    if (err.code === 'VALIDATION' && err.details) {
      // Some services already put the field message in the text ("Password must be at least…").
      const entries = Object.entries(err.details).filter(([, msgs]) => !msgs.every((m) => message.toLowerCase().includes(m.toLowerCase())));
      if (entries.length > 0) {
        message = `${message.replace(/\.$/, '')}: ${entries.map(([field, msgs]) => `${field} ${msgs.join(' and ')}`).join('; ')}`;
      }
    }
    return { message, help: err.help };
  }
  const code = errCode(err);
  const raw = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return { message: 'the database stayed locked by another process for too long', help: 'Try again; if it persists, look for a stuck freewire process.' };
    case 'SQLITE_CORRUPT':
    case 'SQLITE_NOTADB':
      return { message: `the database file is damaged or not a database (${raw})`, help: 'Restore the latest backup with: freewire restore FILE --force' };
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_READONLY':
      return { message: `cannot write the database file (${raw})`, help: 'Check FREEWIRE_DATA_DIR and the permissions of the data directory.' };
    case 'ECONNREFUSED':
      return { message: 'cannot connect to PostgreSQL: connection refused', help: 'Is the server running, and is DATABASE_URL right?' };
    case 'ENOTFOUND':
      return { message: 'cannot connect to PostgreSQL: unknown host', help: 'Check the host name in DATABASE_URL.' };
    case '28P01':
    case '28000':
      return { message: `PostgreSQL refused the login (${raw})`, help: 'Check the user and password in DATABASE_URL.' };
    case '3D000':
      return { message: `PostgreSQL: ${raw}`, help: 'Create the database first (createdb …), or fix its name in DATABASE_URL.' };
    case 'EACCES':
    case 'EPERM':
      return { message: raw, help: 'Check FREEWIRE_DATA_DIR and the permissions of the data directory.' };
    default:
      return { message: raw || 'unknown error' };
  }
}

/** Prints the error and marks the process as failed. */
export function reportError(err: unknown): void {
  const { message, help } = describeError(err);
  note(`freewire: ${message}`);
  if (help) note(`  ${help}`);
  if (showStacks && err instanceof Error && err.stack) note(err.stack);
  process.exitCode = 1;
}

/** Fixed-width columns for list commands. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
