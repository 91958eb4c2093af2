/** Reading back the CSV the usage exports write: RFC 4180 rows, every line ending in CRLF. */
import assert from 'node:assert/strict';

/** Rows of quoted or bare cells ("" escapes a quote inside quotes); a leading BOM is dropped. */
export function parseCsv(body: string): string[][] {
  const text = body.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  assert.equal(cell, '', 'every line ends with CRLF');
  assert.equal(row.length, 0, 'every line ends with CRLF');
  return rows;
}
