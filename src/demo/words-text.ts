/**
 * Generated story text: headline, summary, dateline and a body of 400 to 1,500 words made from
 * the vocabulary and sentence templates in ./words.ts. The same seed gives the same text.
 *
 * The body is plain paragraphs (no Markdown syntax), so its HTML and its plain text are built
 * here directly, exactly as renderMarkdown and htmlToText would make them, and its word count is
 * what countWords returns: rendering 100,000 bodies through the Markdown pipeline would take
 * longer than writing them.
 */
import { ADJECTIVES, COMMON, FIRST_NAMES, HEADLINES, LAST_NAMES, PLACES, QUOTES, ROLES, SENTENCES, SUMMARIES, TIMES, TOPICS, VERBS, type Topic } from './words.js';

export const MIN_BODY_WORDS = 400;
export const MAX_BODY_WORDS = 1500;

/** A small, fast seeded generator (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

export function pick<T>(rng: Random, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/**
 * An index in [0, n) with Zipf-like weights (index 0 most often): the square of a uniform
 * number, which is cheap and skewed enough for term frequencies that look like real copy.
 */
export function skewedIndex(rng: Random, n: number): number {
  const u = rng();
  return Math.floor(u * u * n);
}

function pickSkewed<T>(rng: Random, items: readonly T[]): T {
  return items[skewedIndex(rng, items.length)]!;
}

export interface StoryText {
  topic: Topic;
  headline: string;
  summary: string;
  dateline: string;
  bodyMd: string;
  bodyHtml: string;
  bodyText: string;
  wordCount: number;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

type Slot = 'A' | 'T' | 'V' | 'J' | 'P' | 'N' | 'W' | 'X' | 'Y' | 'Q';

/** A template split once into literal text (even indexes) and slots (odd indexes). */
type Compiled = string[];

function compile(template: string): Compiled {
  return template.split(/\{([ATVJPNWXQY])\}/);
}

const COMPILED = new Map<string, Compiled>();

function compiled(template: string): Compiled {
  let c = COMPILED.get(template);
  if (!c) COMPILED.set(template, (c = compile(template)));
  return c;
}

function slotValue(rng: Random, slot: Slot, topic: Topic, place: string): string {
  switch (slot) {
    case 'A':
      return pickSkewed(rng, topic.actors);
    case 'T':
      return pickSkewed(rng, topic.things);
    case 'V':
      return pickSkewed(rng, VERBS);
    case 'J':
      return pickSkewed(rng, ADJECTIVES);
    // Most sentences stay in the story's own place; some reach a neighbour.
    case 'P':
      return rng() < 0.7 ? place : pickSkewed(rng, PLACES);
    case 'N':
      return pickSkewed(rng, COMMON);
    case 'W':
      return pick(rng, TIMES);
    case 'X':
      return String(2 + Math.floor(rng() * rng() * 400));
    case 'Y':
      return String(2010 + Math.floor(rng() * 15));
    case 'Q':
      return `${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}`;
  }
}

function fill(rng: Random, template: string, topic: Topic, place: string): string {
  const parts = compiled(template);
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += slotValue(rng, parts[i] as Slot, topic, place) + parts[i + 1]!;
  return out;
}

function words(s: string): number {
  let n = 1;
  for (let i = s.indexOf(' '); i !== -1; i = s.indexOf(' ', i + 1)) n++;
  return n;
}

/** A body length between the bounds, most stories nearer the short end as in real news copy. */
function bodyLength(rng: Random): number {
  const u = rng();
  return MIN_BODY_WORDS + Math.floor(u * u * u * (MAX_BODY_WORDS - MIN_BODY_WORDS + 1));
}

function paragraph(rng: Random, topic: Topic, place: string): string {
  if (rng() < 0.18) {
    const quote = capitalise(fill(rng, pick(rng, QUOTES), topic, place));
    return `"${quote}" said ${pick(rng, FIRST_NAMES)} ${pick(rng, LAST_NAMES)}, ${pick(rng, ROLES)}.`;
  }
  const sentences: string[] = [];
  const count = 2 + Math.floor(rng() * 3);
  for (let i = 0; i < count; i++) sentences.push(capitalise(fill(rng, pick(rng, SENTENCES), topic, place)));
  return sentences.join(' ');
}

/** One story's text. */
export function storyText(rng: Random): StoryText {
  const topic = pick(rng, TOPICS);
  const place = pickSkewed(rng, PLACES);
  const headline = capitalise(fill(rng, pick(rng, HEADLINES), topic, place));
  const summary = capitalise(fill(rng, pick(rng, SUMMARIES), topic, place));
  const target = bodyLength(rng);
  const paragraphs: string[] = [];
  let count = 0;
  while (count < target) {
    let p = paragraph(rng, topic, place);
    let n = words(p);
    if (count + n > MAX_BODY_WORDS) {
      // Trim the last paragraph to stay within the bound, ending it as a sentence.
      p = `${p.split(' ').slice(0, MAX_BODY_WORDS - count).join(' ').replace(/[,;.]$/, '')}.`;
      n = words(p);
    }
    paragraphs.push(p);
    count += n;
  }
  return {
    topic,
    headline,
    summary,
    dateline: place.toUpperCase(),
    bodyMd: `${paragraphs.join('\n\n')}\n`,
    bodyHtml: paragraphs.map((p) => `<p>${p}</p>\n`).join(''),
    bodyText: paragraphs.join('\n\n'),
    wordCount: count,
  };
}
