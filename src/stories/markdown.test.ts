/**
 * defuse (src/stories/markdown.ts) bounds what marked must resolve. Ordinary stories must come
 * through it unchanged; only structure no story needs is turned into text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defuse, renderMarkdown } from './markdown.js';

const STORY = `## What happened

The council voted **7–2** on _Tuesday_ to raise rates. See [the minutes](https://example.org/m) and \`rates.csv\`.

> "We had no choice," said the mayor.
> - Residents objected.

1. First item
   - nested *point*
     1. deeper

\`\`\`
code with *stars* and _underscores_ ${'*a'.repeat(400)}
\`\`\`
`;

test('defuse leaves ordinary Markdown as it is', () => {
  assert.equal(defuse(STORY), STORY);
  fc.assert(
    fc.property(fc.array(fc.constantFrom('# ', '> ', '- ', '1. ', '*', '_', '`', '[a](b)', 'text', ' ', '\n', '\n\n', '    '), { maxLength: 80 }), (parts) => {
      // Within the bounds (at most 8 containers and 40 columns of indentation on any line, far
      // fewer than 500 delimiters) nothing changes; totals over all parts keep every line inside.
      fc.pre(parts.filter((p) => p === '> ' || p === '- ' || p === '1. ').length <= 8);
      fc.pre(parts.filter((p) => p.trim() === '' && p.includes(' ')).join('').length <= 40);
      const md = parts.join('');
      assert.equal(defuse(md), md);
    }),
    { numRuns: 500 },
  );
});

test('defuse turns excess structure into text', () => {
  assert.equal(defuse('> > > > > > > > > > x'), '> > > > > > > > \\> > x');
  assert.equal(defuse('1. 1. 1. 1. 1. 1. 1. 1. 1. x'), '1. 1. 1. 1. 1. 1. 1. 1. 1\\. x');
  const run = '*a'.repeat(600);
  assert.equal(defuse(run), '\\*a'.repeat(600));
  // A fenced block keeps its text, and so does the paragraph after it.
  assert.equal(defuse(`\`\`\`\n${run}\n\`\`\`\n\n*b*`), `\`\`\`\n${run}\n\`\`\`\n\n*b*`);
  assert.equal(defuse(`${' '.repeat(60)}- x`), `${' '.repeat(40)}- x`);
  // What was escaped renders as typed.
  assert.match(renderMarkdown(run), /^<p>\*a\*a/);
  assert.doesNotThrow(() => renderMarkdown('> '.repeat(20_000)));
});
