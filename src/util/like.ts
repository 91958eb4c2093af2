/**
 * Substring matching with SQL LIKE, the same on SQLite and PostgreSQL. Text a user typed is
 * matched literally: `%`, `_` and the escape character itself are escaped, and the condition
 * names its escape character, because SQLite has no default one (PostgreSQL's is the backslash).
 */
import { sql, type Expression, type RawBuilder } from 'kysely';

/** `%text%` with LIKE's metacharacters escaped by a backslash. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `expr LIKE '%text%' ESCAPE '\'`: true when `text` occurs in `expr`, character for character. */
export function likeContains(expr: Expression<unknown>, text: string): RawBuilder<boolean> {
  return sql<boolean>`${expr} like ${containsPattern(text)} escape '\\'`;
}
