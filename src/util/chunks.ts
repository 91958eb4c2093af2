/**
 * Splits a list for `IN (…)` queries. SQLite allows 32,766 bound variables per statement and
 * PostgreSQL 65,535 parameters; 500 keeps every query far below both, whatever else it binds.
 */
export const IN_CHUNK = 500;

export function chunks<T>(items: readonly T[], size: number = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
