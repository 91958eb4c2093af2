/**
 * What most commands need: the configuration, the database and the services, opened the same
 * way the server opens them, and closed again when the command is done. The CLI may run beside
 * a server on the same data dir (SQLite in WAL mode with a busy timeout; PostgreSQL pools).
 */
import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
import { createDatabase, type Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { createServices, type Services } from '../services.js';
import { SYSTEM_ACTOR, type Actor } from '../users/permissions.js';
import { CliError, describeError, setDebug } from './output.js';

/** Whoever runs the CLI has shell access to the server, so it acts as the system. */
export const CLI_ACTOR: Actor = Object.freeze({ ...SYSTEM_ACTOR, label: 'cli' });

export function loadCliConfig(): Config {
  const config = loadConfig();
  setDebug(config.logLevel === 'debug' || config.logLevel === 'trace');
  return config;
}

export function sqliteFile(config: Config): string {
  return path.join(config.dataDir, 'freewire.db');
}

export function openDatabase(config: Config): Database {
  try {
    return createDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    if (config.databaseUrl) throw err;
    throw new CliError(
      `cannot open the database in ${config.dataDir}: ${(err as Error).message}`,
      'Check FREEWIRE_DATA_DIR and that the directory is writable by this user.',
    );
  }
}

/**
 * Applies pending migrations, reporting each one. Migrations are forward-only and serialised
 * (a transaction each, an advisory lock on PostgreSQL), so every command may run them.
 */
export async function applyMigrations(database: Database, report: (line: string) => void): Promise<string[]> {
  let current: string | undefined;
  try {
    const { applied } = await migrate(database, (name) => {
      current = name;
      report(`Applying migration ${name}…`);
    });
    return applied;
  } catch (err) {
    if (err instanceof Error && /newer release/.test(err.message)) throw new CliError(err.message);
    const { message, help } = describeError(err);
    if (current) {
      throw new CliError(`migration ${current} failed on ${database.location}: ${message}`, 'It was rolled back; fix the cause and run freewire migrate again.');
    }
    // Never got as far as a migration: the database itself is unreachable or unusable.
    throw new CliError(`${message} (${database.location})`, help);
  }
}

export interface CliContext {
  config: Config;
  database: Database;
  services: Services;
}

/** Opens config, database and services, migrates quietly (to stderr), runs fn, and closes. */
export async function withServices<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadCliConfig();
  const database = openDatabase(config);
  try {
    await applyMigrations(database, (line) => process.stderr.write(`${line}\n`));
    return await fn({ config, database, services: createServices(config, database) });
  } finally {
    await database.close();
  }
}
