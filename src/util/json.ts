/**
 * Lists of strings stored as JSON text (tags on a version, a partner's extra domains). Read
 * leniently: anything unexpected reads as an empty list rather than failing the page that shows it.
 */
export function parseStringArray(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
