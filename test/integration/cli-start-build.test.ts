/**
 * The compiled start: scripts/build.mjs rebuilds dist/ when src/ changed and skips when it did
 * not (checked on a small package in a temp dir, so the real tree is never touched), and
 * bin/freewire.js runs the compiled CLI — `--help`, and `start` up to its first answer with the
 * files it finds relative to itself (public/, the tip crypto module, vendor assets).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { build, compiledMain, ensureBuilt, isFresh, sourceStamp } from '../../scripts/build.mjs';
import { SECRETSTREAM_SIZES } from '../../src/tips/source.service.js';
import { loadSodium } from '../../src/tips/sodium.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/freewire.js');

/** A package with the repo's tsconfig files and a two-module src/, sharing the repo's node_modules. */
async function makePackage(withCompiler = true): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'freewire-build-'));
  await cp(path.join(ROOT, 'tsconfig.json'), path.join(root, 'tsconfig.json'));
  await cp(path.join(ROOT, 'tsconfig.build.json'), path.join(root, 'tsconfig.build.json'));
  await writeFile(path.join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  if (withCompiler) await symlink(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  await mkdir(path.join(root, 'src/util'), { recursive: true });
  await writeFile(path.join(root, 'src/util/greeting.ts'), "export const greeting: string = 'first';\n");
  await writeFile(path.join(root, 'src/main.ts'), "import { greeting } from './util/greeting.js';\nexport function run(): string {\n  return greeting;\n}\n");
  return root;
}

function collect(): { notices: string[]; notice: (line: string) => void } {
  const notices: string[] = [];
  return { notices, notice: (line) => notices.push(line) };
}

describe('staleness check', () => {
  const roots: string[] = [];
  after(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  test('builds when there is no build, skips when src/ is unchanged, rebuilds after an edit', { timeout: 300_000 }, async () => {
    const root = await makePackage();
    roots.push(root);
    assert.equal(isFresh(root), false);

    const first = collect();
    assert.equal(ensureBuilt(root, first.notice), compiledMain(root));
    assert.match(first.notices.join('\n'), /compiling TypeScript/);
    assert.match(await readFile(path.join(root, 'dist/util/greeting.js'), 'utf8'), /'first'/);
    assert.equal(isFresh(root), true);

    const unchanged = collect();
    const stampBefore = await readFile(path.join(root, 'dist/.build-stamp'), 'utf8');
    assert.equal(ensureBuilt(root, unchanged.notice), compiledMain(root));
    assert.deepEqual(unchanged.notices, [], 'nothing compiled, nothing said');
    assert.equal(await readFile(path.join(root, 'dist/.build-stamp'), 'utf8'), stampBefore);

    // A test file is not compiled, so editing one leaves the build fresh.
    await writeFile(path.join(root, 'src/util/greeting.test.ts'), 'export {};\n');
    assert.equal(isFresh(root), true);

    await writeFile(path.join(root, 'src/util/greeting.ts'), "export const greeting: string = 'second';\n");
    assert.equal(isFresh(root), false);
    const edited = collect();
    assert.equal(ensureBuilt(root, edited.notice), compiledMain(root));
    assert.match(edited.notices.join('\n'), /compiled in/);
    assert.match(await readFile(path.join(root, 'dist/util/greeting.js'), 'utf8'), /'second'/);
    assert.equal(isFresh(root), true);
  });

  test('a touched file (same size, new mtime), a new file and a deleted file each make the build stale', { timeout: 300_000 }, async () => {
    const root = await makePackage();
    roots.push(root);
    assert.deepEqual(build(root), { ok: true, skipped: false });

    const later = new Date(Date.now() + 60_000);
    await utimes(path.join(root, 'src/main.ts'), later, later);
    assert.equal(isFresh(root), false);
    assert.deepEqual(build(root, { ifStale: true }), { ok: true, skipped: false });
    assert.deepEqual(build(root, { ifStale: true }), { ok: true, skipped: true });

    await writeFile(path.join(root, 'src/extra.ts'), 'export const extra = 1;\n');
    assert.equal(isFresh(root), false);
    assert.deepEqual(build(root), { ok: true, skipped: false });
    assert.ok(existsSync(path.join(root, 'dist/extra.js')));

    await rm(path.join(root, 'src/extra.ts'));
    assert.equal(isFresh(root), false);
    assert.deepEqual(build(root), { ok: true, skipped: false });
    assert.equal(existsSync(path.join(root, 'dist/extra.js')), false, 'the output of a deleted module is removed');
  });

  test('a failing build is reported, falls back to the sources and is retried next time', { timeout: 300_000 }, async () => {
    const root = await makePackage();
    roots.push(root);
    await writeFile(path.join(root, 'src/util/greeting.ts'), 'export const greeting: string = 42;\n');
    const result = build(root);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.reason, 'failed');
    assert.match(!result.ok ? result.output : '', /TS2322/);
    const failed = collect();
    assert.equal(ensureBuilt(root, failed.notice), undefined);
    assert.match(failed.notices.at(-1) ?? '', /build failed .* through tsx/);
    assert.equal(isFresh(root), false, 'no stamp for a failed build');
  });

  test('a lock left by a build that was killed does not block the next one', { timeout: 300_000 }, async () => {
    const root = await makePackage();
    roots.push(root);
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    await mkdir(path.join(root, 'dist/.build-lock'), { recursive: true });
    await writeFile(path.join(root, 'dist/.build-lock/pid'), String(gone.pid));
    assert.deepEqual(build(root), { ok: true, skipped: false });
    assert.equal(existsSync(path.join(root, 'dist/.build-lock')), false);
    assert.equal(isFresh(root), true);
  });

  test('without a TypeScript compiler: no build, one notice, the sources run through tsx', async () => {
    const root = await makePackage(false);
    roots.push(root);
    const missing = collect();
    assert.equal(ensureBuilt(root, missing.notice), undefined);
    assert.equal(missing.notices.length, 1);
    assert.match(missing.notices[0]!, /no TypeScript compiler installed; running the sources through tsx/);
  });

  test('the stamp depends on every file’s path, size and mtime, not on the order files were written', async () => {
    const name = fc.stringMatching(/^[a-z]{1,8}$/);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(name, fc.string({ maxLength: 40 })), { minLength: 1, maxLength: 6, selector: ([n]) => n }), fc.nat(), async (files, pick) => {
        const a = await makePackage(false);
        const b = await makePackage(false);
        try {
          const when = new Date('2026-01-01T00:00:00Z');
          const write = async (root: string, list: Array<[string, string]>) => {
            for (const [n, body] of list) {
              await writeFile(path.join(root, 'src', `${n}.ts`), body);
              await utimes(path.join(root, 'src', `${n}.ts`), when, when);
            }
            for (const f of ['main.ts', 'util/greeting.ts', '../tsconfig.json', '../tsconfig.build.json']) await utimes(path.join(root, 'src', f), when, when);
          };
          await write(a, files);
          await write(b, [...files].reverse());
          assert.equal(sourceStamp(a), sourceStamp(b));
          const [changed, body] = files[pick % files.length]!;
          await writeFile(path.join(b, 'src', `${changed}.ts`), `${body}x`);
          await utimes(path.join(b, 'src', `${changed}.ts`), when, when);
          assert.notEqual(sourceStamp(a), sourceStamp(b), 'a size change alone changes the stamp');
        } finally {
          await rm(a, { recursive: true, force: true });
          await rm(b, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  });
});

test('the tip routes size uploads with libsodium’s own secretstream sizes without loading it at start', async () => {
  const sodium = await loadSodium();
  assert.equal(SECRETSTREAM_SIZES.crypto_secretstream_xchacha20poly1305_HEADERBYTES, sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES);
  assert.equal(SECRETSTREAM_SIZES.crypto_secretstream_xchacha20poly1305_ABYTES, sodium.crypto_secretstream_xchacha20poly1305_ABYTES);
});

describe('compiled CLI', () => {
  // Records, on stderr, whether the compiled entry point or tsx was loaded.
  const TRACE = `data:text/javascript,${encodeURIComponent(
    `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent('export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.endsWith("/dist/main.js") || r.url.includes("/node_modules/tsx/")) process._rawDebug("LOADED " + r.url); return r; }'));`,
  )}`;
  const dirs: string[] = [];

  before(
    () => {
      // Built up front (once, when src/ changed), so the runs below measure the compiled CLI.
      assert.ok(ensureBuilt(ROOT), 'the repository builds');
    },
    { timeout: 600_000 },
  );
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  function runBin(args: string[], env: Record<string, string>) {
    const proc = spawn(process.execPath, ['--import', TRACE, BIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    return { proc, exited, stdout: () => stdout, stderr: () => stderr };
  }

  test('--help runs from dist/ without tsx', async () => {
    const run = runBin(['--help'], {});
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stdout(), /^Usage: freewire /m);
    assert.match(run.stderr(), /LOADED file:\S+\/dist\/main\.js/);
    assert.doesNotMatch(run.stderr(), /node_modules\/tsx\//);
    assert.doesNotMatch(run.stderr(), /compiling/);
  });

  test('start answers from dist/: pages, public assets, the tip crypto module and vendored libsodium', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'freewire-compiled-'));
    dirs.push(dir);
    const net = await import('node:net');
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as import('node:net').AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const run = runBin(['start'], { FREEWIRE_DATA_DIR: path.join(dir, 'data'), PORT: String(port), FREEWIRE_HOST: '127.0.0.1', FREEWIRE_LOG_LEVEL: 'silent' });
    const base = `http://127.0.0.1:${port}`;
    try {
      const deadline = Date.now() + 90_000;
      while (!/^Site: /m.test(run.stdout())) {
        const state = await Promise.race([run.exited, sleep(50).then(() => 'running' as const)]);
        if (state !== 'running') assert.fail(`exited (${state}) before listening:\n${run.stdout()}\n${run.stderr()}`);
        assert.ok(Date.now() < deadline, `no first answer in time:\n${run.stdout()}\n${run.stderr()}`);
      }
      assert.match(run.stderr(), /LOADED file:\S+\/dist\/main\.js/);
      assert.doesNotMatch(run.stderr(), /node_modules\/tsx\//);

      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const home = await fetch(`${base}/`);
      assert.equal(home.status, 200);
      assert.match(await home.text(), /<html/i);
      for (const [asset, file] of [
        ['/assets/site.css', 'public/site.css'],
        ['/assets/tips/tip-crypto.mjs', 'public/tips/tip-crypto.mjs'],
      ] as const) {
        const res = await fetch(`${base}${asset}`);
        assert.equal(res.status, 200, asset);
        assert.equal(await res.text(), await readFile(path.join(ROOT, file), 'utf8'), `${asset} is the file in ${file}`);
      }
      const vendor = await fetch(`${base}/assets/vendor/libsodium-wrappers.mjs`);
      assert.equal(vendor.status, 200);
      assert.match(await vendor.text(), /from"\.\/libsodium-sumo\.mjs"/);

      run.proc.kill('SIGTERM');
      assert.equal(await run.exited, 0, run.stderr());
    } finally {
      if (run.proc.exitCode === null && run.proc.signalCode === null) run.proc.kill('SIGKILL');
    }
  });
});
