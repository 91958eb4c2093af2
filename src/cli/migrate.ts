/** `freewire migrate`: apply pending migrations and say what happened (exit 1 on failure). */
import { applyMigrations, loadCliConfig, openDatabase } from './context.js';
import { out } from './output.js';

export async function migrateCommand(): Promise<void> {
  const config = loadCliConfig();
  const database = openDatabase(config);
  try {
    const applied = await applyMigrations(database, out);
    if (applied.length === 0) out(`Database is up to date (${database.location}).`);
    else out(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${database.location}.`);
  } finally {
    await database.close();
  }
}
