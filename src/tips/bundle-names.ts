/**
 * File names for decrypted attachments. The name comes from the source (or from whoever forged a
 * sealed message to the newsroom's public key, which anyone can do), so it is hostile input that
 * ends up as a path on an editor's computer: no separators, no "..", no hidden or device names,
 * no control or direction-override characters (which can make "photo\u202Egpj.exe" look like
 * "photoexe.jpg"), a length every file system accepts, and no two files with the same name.
 */

/** Longest name written, in UTF-8 bytes (ext4, APFS and NTFS all take 255; leave room for " (99)"). */
export const MAX_NAME_BYTES = 120;
const MAX_EXT_CHARS = 16;

// C0 and C1 controls, DEL; zero-width and direction marks, embeddings, overrides and isolates; BOM.
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Separators on any system, and characters Windows refuses in names.
const RESERVED_CHARS = /[/\\:*?"<>|]/g;
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com\d|lpt\d)$/i;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Cuts `s` to at most `bytes` UTF-8 bytes without splitting a character. */
function cutToBytes(s: string, bytes: number): string {
  if (utf8Length(s) <= bytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** Splits "report.final.pdf" into ["report.final", ".pdf"]; no extension when it is long or odd. */
function splitExtension(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot - 1 > MAX_EXT_CHARS || name.length - dot - 1 === 0) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/** Replaces halves of surrogate pairs that stand alone (not valid Unicode, so not valid in names). */
function wellFormed(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else out += '_';
    } else if (c >= 0xdc00 && c <= 0xdfff) out += '_';
    else out += s[i];
  }
  return out;
}

function trimDotsAndSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s[start] === '.' || s[start] === ' ')) start++;
  while (end > start && (s[end - 1] === '.' || s[end - 1] === ' ')) end--;
  return s.slice(start, end);
}

/**
 * A safe file name for `name`, or `fallback` when nothing usable is left. The result has no path
 * separator, does not start or end with a dot or space, is not a Windows device name, holds no
 * control or invisible formatting characters and is at most MAX_NAME_BYTES long.
 */
export function safeFileName(name: string, fallback: string): string {
  let s = typeof name === 'string' ? name.slice(0, 4096) : '';
  s = wellFormed(s).normalize('NFC').replace(INVISIBLE, '').replace(RESERVED_CHARS, '_');
  s = trimDotsAndSpaces(s);
  if (s === '') s = fallback;
  let [base, ext] = splitExtension(s);
  if (WINDOWS_DEVICE.test(base)) base = `_${base}`;
  base = cutToBytes(base, MAX_NAME_BYTES - utf8Length(ext));
  // Windows drops a trailing dot or space; before an extension they are harmless ("a..txt").
  if (ext === '') base = trimDotsAndSpaces(base);
  if (base === '') base = fallback;
  return `${base}${ext}`;
}

/**
 * Picks a name not yet in `taken` (compared without case, as macOS and Windows do): "a.pdf",
 * then "a (2).pdf", "a (3).pdf" … and records it.
 */
export function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  const [base, ext] = splitExtension(name);
  for (let n = 2; taken.has(candidate.toLowerCase()); n++) {
    const suffix = ` (${n})`;
    candidate = `${cutToBytes(base, MAX_NAME_BYTES - utf8Length(ext) - suffix.length)}${suffix}${ext}`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}
