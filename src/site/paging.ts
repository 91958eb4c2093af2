/** Page numbers in `?page=N`: 20 items a page, and pages past the end do not exist. */
import { AppError } from '../errors.js';

export const PAGE_SIZE = 20;

/** Deep archive pages beyond this are refused outright rather than queried. */
const MAX_PAGE = 10_000;

/** The first value of a query parameter (repeated parameters arrive as arrays). */
export function queryValue(query: unknown, name: string): string | undefined {
  if (!query || typeof query !== 'object') return undefined;
  const v = (query as Record<string, unknown>)[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
}

/** `?page=` as a number ≥ 1; anything else is a page that does not exist. */
export function parsePage(query: unknown): number {
  const raw = queryValue(query, 'page');
  if (raw === undefined || raw === '') return 1;
  if (!/^[1-9][0-9]{0,5}$/.test(raw) || Number(raw) > MAX_PAGE) throw new AppError('NOT_FOUND', 'There is no such page.');
  return Number(raw);
}

export function offsetOf(page: number, size = PAGE_SIZE): number {
  return (page - 1) * size;
}

/** Number of pages for `total` items; page 1 always exists, even when empty. */
export function totalPages(total: number, size = PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / size));
}

export function assertPageExists(page: number, total: number, size = PAGE_SIZE): void {
  if (page > totalPages(total, size)) throw new AppError('NOT_FOUND', 'There is no such page.');
}

export function pagePath(base: string, page: number): string {
  if (page <= 1) return base;
  return `${base}${base.includes('?') ? '&' : '?'}page=${page}`;
}
