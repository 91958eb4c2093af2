/**
 * IPTC ninjs documents for one version of one story as one partner receives it. Two versions of
 * the standard, same content:
 *
 * - ninjs 2.2 (the default): lowercase property names — `versioncreated`, `pubstatus`,
 *   `embargoed`, `headlines[]`, `bodies[]` with `contenttype`, `usageterms`, `rightsinfo`;
 * - ninjs 3.1: camelCase — `versionCreated`, `pubStatus`, `embargoedUntil`, `bodies[]` with
 *   `contentType`, `usageTerms`, `rightsInfo`, `altIds`, `infoSources`.
 *
 * Both schemas close the top level (`unevaluatedProperties: false`), so nothing outside the
 * standard is added. (ninjs 1.x had `headline`, `body_html` and `renditions` as an object; 2.x
 * replaced them with the arrays used here.) People, places and organisations are not emitted:
 * stories do not record them, and inventing them from tags would mislead.
 *
 * The lead image, when the partner may use it, is an association of type `picture` with its
 * rendition — the ninjs way to carry a text item's images; an image the partner may not use is
 * not mentioned at all.
 */
import type { PubStatus } from './access.js';

export const NINJS_22_SCHEMA = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json#';
export const NINJS_31_SCHEMA = 'http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#';

export type NinjsVersion = '2.2' | '3.1';

export interface NinjsImage {
  /** Stable identifier of the image (its address on our site). */
  uri: string;
  href: string;
  contentType: string;
  sizeInBytes: number | null;
  alt: string;
  caption: string;
  credit: string;
}

export interface NinjsSubject {
  name: string;
  rel: 'section' | 'about';
  uri: string;
  literal: string;
}

/** Everything a document says, independent of the ninjs version's spelling. */
export interface NinjsInput {
  /** Stable, absolute identifier of the story (not its slug, which is an address). */
  uri: string;
  version: string;
  versionCreated: string;
  firstCreated: string;
  pubStatus: PubStatus;
  /** Set while the story is embargoed. */
  embargoedUntil: string | null;
  headline: string;
  summary: string;
  /** "Name, Title; and Name, Title". */
  byline: string;
  dateline: string;
  slug: string;
  language: string;
  /** The partner copy: credit line, link back and (when required) the pixel are in it. */
  html: string;
  text: string;
  wordCount: number | null;
  subjects: NinjsSubject[];
  usageTerms: string;
  copyrightHolder: string;
  copyrightNotice: string;
  /** The license or terms page these rights are expressed by. */
  rightsUrl: string;
  /** The original story's address. */
  canonicalUrl: string;
  /** A note for the partner's editors, not for publication (embargo, withdrawal). */
  edNote: string | null;
  originator: { name: string; uri: string };
  image: NinjsImage | null;
}

type Json = Record<string, unknown>;

/** Drops undefined members so optional properties are absent rather than null. */
function compact(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const nonEmpty = (s: string) => (s.trim() === '' ? undefined : s);

/**
 * Characters as ninjs counts them: code points, a surrogate pair being one, a lone surrogate one
 * as well (what `[...s].length` gives, without an array of every character: for a 4,000-word
 * story, an array of 25,000 entries, twice a document, and 5% of the time rendering one took).
 */
export function charCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export function toNinjs22(d: NinjsInput): Json {
  const image = d.image;
  const chars = charCount(d.text);
  return compact({
    uri: d.uri,
    standard: { name: 'ninjs', version: '2.2', schema: NINJS_22_SCHEMA },
    type: 'text',
    representationtype: 'full',
    version: d.version,
    firstcreated: d.firstCreated,
    versioncreated: d.versionCreated,
    pubstatus: d.pubStatus,
    embargoed: d.embargoedUntil ?? undefined,
    ednote: d.edNote ?? undefined,
    language: d.language,
    slugline: d.slug,
    headlines: [{ role: 'main', contenttype: 'text/plain', value: d.headline }],
    descriptions: nonEmpty(d.summary) ? [{ role: 'summary', contenttype: 'text/plain', value: d.summary }] : undefined,
    by: nonEmpty(d.byline),
    located: nonEmpty(d.dateline),
    bodies: [
      compact({ role: 'main', contenttype: 'text/html', value: d.html, charcount: chars, wordcount: d.wordCount ?? undefined }),
      compact({ role: 'main', contenttype: 'text/plain', value: d.text, charcount: chars, wordcount: d.wordCount ?? undefined }),
    ],
    subjects: d.subjects.length > 0 ? d.subjects.map((s) => ({ name: s.name, rel: s.rel, uri: s.uri, literal: s.literal })) : undefined,
    copyrightholder: d.copyrightHolder,
    copyrightnotice: d.copyrightNotice,
    usageterms: d.usageTerms,
    rightsinfo: { linkedrights: d.rightsUrl },
    infosources: [{ name: d.originator.name, uri: d.originator.uri }],
    altids: [{ role: 'url', value: d.canonicalUrl }],
    associations: image
      ? [
          compact({
            name: 'featureimage',
            uri: image.uri,
            type: 'picture',
            by: nonEmpty(image.credit),
            descriptions: nonEmpty(image.caption) || nonEmpty(image.alt)
              ? [
                  ...(nonEmpty(image.caption) ? [{ role: 'caption', contenttype: 'text/plain', value: image.caption }] : []),
                  ...(nonEmpty(image.alt) ? [{ role: 'alt', contenttype: 'text/plain', value: image.alt }] : []),
                ]
              : undefined,
            renditions: [compact({ name: 'original', href: image.href, contenttype: image.contentType, sizeinbytes: image.sizeInBytes ?? undefined })],
          }),
        ]
      : undefined,
  });
}

export function toNinjs31(d: NinjsInput): Json {
  const image = d.image;
  const chars = charCount(d.text);
  return compact({
    uri: d.uri,
    standard: { name: 'ninjs', version: '3.1', schema: NINJS_31_SCHEMA },
    type: 'text',
    representationType: 'full',
    version: d.version,
    firstCreated: d.firstCreated,
    versionCreated: d.versionCreated,
    pubStatus: d.pubStatus,
    embargoedUntil: d.embargoedUntil ?? undefined,
    edNote: d.edNote ?? undefined,
    language: d.language,
    slugline: d.slug,
    headlines: [{ role: 'main', contentType: 'text/plain', value: d.headline }],
    descriptions: nonEmpty(d.summary) ? [{ role: 'summary', contentType: 'text/plain', value: d.summary }] : undefined,
    by: nonEmpty(d.byline),
    located: nonEmpty(d.dateline),
    bodies: [
      compact({ role: 'main', contentType: 'text/html', value: d.html, charCount: chars, wordCount: d.wordCount ?? undefined }),
      compact({ role: 'main', contentType: 'text/plain', value: d.text, charCount: chars, wordCount: d.wordCount ?? undefined }),
    ],
    subjects: d.subjects.length > 0 ? d.subjects.map((s) => ({ name: s.name, rel: s.rel, uri: s.uri, literal: s.literal })) : undefined,
    copyrightHolder: d.copyrightHolder,
    copyrightNotice: d.copyrightNotice,
    usageTerms: d.usageTerms,
    rightsInfo: { linkedRights: d.rightsUrl },
    infoSources: [{ name: d.originator.name, uri: d.originator.uri }],
    altIds: [{ role: 'url', value: d.canonicalUrl }],
    associations: image
      ? [
          compact({
            name: 'featureimage',
            rel: 'featureimage',
            uri: image.uri,
            type: 'picture',
            by: nonEmpty(image.credit),
            descriptions: nonEmpty(image.caption) || nonEmpty(image.alt)
              ? [
                  ...(nonEmpty(image.caption) ? [{ role: 'caption', contentType: 'text/plain', value: image.caption }] : []),
                  ...(nonEmpty(image.alt) ? [{ role: 'alt', contentType: 'text/plain', value: image.alt }] : []),
                ]
              : undefined,
            renditions: [compact({ name: 'original', href: image.href, contentType: image.contentType, sizeInBytes: image.sizeInBytes ?? undefined })],
          }),
        ]
      : undefined,
  });
}

export function toNinjs(version: NinjsVersion, d: NinjsInput): Json {
  return version === '3.1' ? toNinjs31(d) : toNinjs22(d);
}
