/**
 * `npm run lint` as part of `npm test`: every regular expression in src/ must run in linear
 * time (eslint.config.js says which rules and why). Failing here lists each offender.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('lint: no regular expression in src/ can backtrack super-linearly', async () => {
  const eslint = new ESLint({ cwd: root });
  const results = await eslint.lintFiles(['src']);
  const problems = results.flatMap((r) =>
    r.messages.filter((m) => m.severity === 2).map((m) => `${path.relative(root, r.filePath)}:${m.line}:${m.column} ${m.ruleId ?? ''} ${m.message}`),
  );
  assert.ok(results.length > 50, `ESLint looked at ${results.length} files under src/`);
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
});

test('lint: the rules catch a quadratic pattern', async () => {
  // Guards against a config that silently lints nothing (wrong globs, rules off).
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText("export const email = /^[^@]+@[^@]+\\.[^@]+$/;\nexport const tail = (s: string) => s.replace(/\\/+$/, '');\n", { filePath: path.join(root, 'src/lint-probe.ts') });
  const rules = result!.messages.map((m) => m.ruleId).sort();
  assert.deepEqual(rules, ['regexp/no-super-linear-backtracking', 'regexp/no-super-linear-move']);
});
