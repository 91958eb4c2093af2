/**
 * Every difference between SQLite and PostgreSQL that the application cares about lives here
 * (and, for full-text search, in src/search/). Migrations and repositories ask this module
 * instead of branching on the engine themselves.
 */
import { sql, type RawBuilder } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectHelpers {
  readonly name: DialectName;
  /** Column type for binary data. */
  readonly blobType: 'blob' | 'bytea';
  /** True when the driver error is a unique-constraint violation. */
  isUniqueViolation(err: unknown): boolean;
  /** Case-insensitive equality on a text column. */
  lowerEquals(column: string, value: string): RawBuilder<boolean>;
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function dialectHelpers(name: DialectName): DialectHelpers {
  return {
    name,
    blobType: name === 'sqlite' ? 'blob' : 'bytea',
    isUniqueViolation(err) {
      const code = errCode(err);
      // better-sqlite3: SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY; pg: 23505
      return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
    lowerEquals(column, value) {
      return sql<boolean>`lower(${sql.ref(column)}) = ${value.toLowerCase()}`;
    },
  };
}
