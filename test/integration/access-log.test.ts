/**
 * The buffered log (src/http/access-log.ts) in a real process writing to a pipe: lines are
 * batched, yet none is lost when the process exits normally, exits early or dies of an uncaught
 * exception, and a warning is written at once rather than held for the next batch.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE = path.join(ROOT, 'src/http/access-log.ts');

/** Runs `body` (an ES module snippet with `BufferedLog` in scope) in a child; resolves with its stdout and exit code. */
function run(body: string, onLine?: (line: string, stdin: NodeJS.WritableStream) => void): Promise<{ stdout: string; code: number | null }> {
  const code = `import { BufferedLog } from ${JSON.stringify(MODULE)};\n${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (onLine) for (const l of d.split('\n').filter(Boolean)) onLine(l, child.stdin);
  });
  child.stderr.resume();
  return new Promise((resolve) => child.on('close', (c) => resolve({ stdout, code: c })));
}

const line = (i: number, level = 30) => `{"level":${level},"time":0,"msg":"request","n":${i}}\n`;

test('every buffered line reaches stdout on a normal exit, an early exit and a crash', async () => {
  const write200 = `const log = new BufferedLog(); for (let i = 0; i < 200; i++) log.write('{"level":30,"time":0,"msg":"request","n":' + i + '}\\n');`;
  for (const [how, tail, expectCode] of [
    ['normal exit', '', 0],
    ['process.exit', 'process.exit(3);', 3],
    ['uncaught exception', "setImmediate(() => { throw new Error('boom'); });", 1],
  ] as const) {
    const { stdout, code } = await run(`${write200}\n${tail}`);
    assert.equal(code, expectCode, how);
    const ns = stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n);
    assert.deepEqual(ns, Array.from({ length: 200 }, (_, i) => i), `${how}: all 200 lines, in order`);
  }
});

test('a warning is written at once, with the lines before it', async () => {
  // The child writes two info lines and a warning, then waits for stdin: the warning must arrive
  // without an exit or a timed flush (a minute here), so the parent sees it and tells the child to stop.
  let seen = '';
  const { stdout } = await run(
    `const log = new BufferedLog(60_000); log.write(${JSON.stringify(line(1))}); log.write(${JSON.stringify(line(2))}); log.write(${JSON.stringify(line(3, 40))});
     const t = setTimeout(() => { console.log('{"timeout":true}'); process.exit(0); }, 120_000);
     process.stdin.once('data', () => { clearTimeout(t); process.exit(0); });`,
    (l, stdin) => {
      seen += l;
      if (l.includes('"level":40')) stdin.write('stop\n');
    },
  );
  assert.doesNotMatch(stdout, /timeout/);
  assert.deepEqual(
    stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n),
    [1, 2, 3],
  );
  assert.match(seen, /"level":40/);
});
