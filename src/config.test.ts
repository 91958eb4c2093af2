import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from './config.js';

const ENV_EXAMPLE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.env.example');

/** `NAME=value` lines of .env.example, in file order (comments and blank lines skipped). */
function readEnvExample(): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  for (const raw of readFileSync(ENV_EXAMPLE, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `.env.example: not a comment or NAME=value line: ${JSON.stringify(raw)}`);
    entries.push([m[1]!, m[2]!]);
  }
  return entries;
}

/** Asserts that `fn` throws a ConfigError whose message names `variable`. */
function assertConfigError(fn: () => unknown, variable: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.match(err.message, new RegExp(`\\b${variable}\\b`), `the message should name ${variable}`);
    return true;
  });
}

describe('.env.example', () => {
  test('lists exactly the variables in CONFIG_VARIABLES, once each', () => {
    const listed = readEnvExample().map(([name]) => name);
    const duplicates = listed.filter((name, i) => listed.indexOf(name) !== i);
    assert.deepEqual(duplicates, [], 'variables listed more than once in .env.example');
    const declared = CONFIG_VARIABLES.map((v) => v.name);
    const missing = declared.filter((name) => !listed.includes(name));
    const unknown = listed.filter((name) => !declared.includes(name));
    assert.deepEqual(missing, [], 'in CONFIG_VARIABLES (src/config.ts) but missing from .env.example');
    assert.deepEqual(unknown, [], 'in .env.example but not in CONFIG_VARIABLES (src/config.ts)');
  });

  test('its example values are accepted by loadConfig', () => {
    const env = Object.fromEntries(readEnvExample());
    const config = loadConfig(env);
    assert.equal(config.port, Number(env.PORT));
    assert.equal(config.databaseUrl, undefined, 'an empty DATABASE_URL means the embedded SQLite database');
  });
});

describe('loadConfig', () => {
  test('defaults: port 8080, embedded SQLite, http://localhost public URL', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.publicUrl, 'http://localhost:8080');
    assert.equal(config.secureCookies, false);
    assert.ok(Object.isFrozen(config));
  });

  test('rejects a bad PORT', () => {
    for (const port of ['abc', '80.5', '-1', '65536', '8080x']) {
      assertConfigError(() => loadConfig({ PORT: port }), 'PORT');
    }
    assert.equal(loadConfig({ PORT: '3000' }).port, 3000);
  });

  test('rejects a DATABASE_URL that is not postgres://', () => {
    for (const url of ['mysql://u@h/db', 'sqlite:./data/freewire.db', 'localhost:5432/db']) {
      assertConfigError(() => loadConfig({ DATABASE_URL: url }), 'DATABASE_URL');
    }
    assert.equal(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).databaseUrl, 'postgresql://u@h/db');
  });

  test('rejects booleans other than true/false/1/0/yes/no/on/off', () => {
    for (const name of ['FREEWIRE_DEMO_CONTENT', 'FREEWIRE_SECURE_COOKIES']) {
      for (const value of ['maybe', '2', 'enabled']) {
        assertConfigError(() => loadConfig({ [name]: value }), name);
      }
    }
    const config = loadConfig({ FREEWIRE_DEMO_CONTENT: 'no', FREEWIRE_SECURE_COOKIES: '1' });
    assert.equal(config.demoContent, false);
    assert.equal(config.secureCookies, true);
  });

  test('FREEWIRE_TRUST_PROXY: true is one hop, numbers are hops, lists are proxy addresses; anything else is refused', () => {
    const trust = (value: string | undefined) => loadConfig(value === undefined ? {} : { FREEWIRE_TRUST_PROXY: value }).trustProxy;
    for (const none of [undefined, '', 'false', 'OFF', 'no', '0']) assert.equal(trust(none), false, String(none));
    // Never "trust every hop": that would make the leftmost X-Forwarded-For entry the client.
    for (const one of ['true', 'ON', 'yes', '1']) assert.equal(trust(one), 1, one);
    assert.equal(trust('2'), 2);
    assert.equal(trust(' 3 '), 3);
    assert.deepEqual(trust('10.0.0.1'), ['10.0.0.1']);
    assert.deepEqual(trust('10.0.0.0/8, 192.168.1.5 ,fd00::/8,::1,loopback,172.16.0.0/255.240.0.0'), ['10.0.0.0/8', '192.168.1.5', 'fd00::/8', '::1', 'loopback', '172.16.0.0/255.240.0.0']);
    for (const bad of ['maybe', 'enabled', '10.0.0.300', '10.0.0.0/33', '10.0.0.1,', '10.0.0.1,,10.0.0.2', 'proxy.internal', '127.1', '0x7f.0.0.1', '-1', '33', '1.5', `${'10.0.0.1,'.repeat(101)}10.0.0.1`]) {
      assertConfigError(() => trust(bad), 'FREEWIRE_TRUST_PROXY');
    }
  });

  test('reads DATABASE_URL from DATABASE_URL_FILE (trimmed), in preference to DATABASE_URL', (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'freewire-config-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'database-url');
    writeFileSync(file, 'postgres://freewire:s3cret@db.internal:5432/freewire\n');
    const config = loadConfig({ DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://ignored@elsewhere/db' });
    assert.equal(config.databaseUrl, 'postgres://freewire:s3cret@db.internal:5432/freewire');

    // The file's content is validated like the variable itself.
    writeFileSync(file, 'mysql://nope@db/x\n');
    assertConfigError(() => loadConfig({ DATABASE_URL_FILE: file }), 'DATABASE_URL');

    assertConfigError(() => loadConfig({ DATABASE_URL_FILE: path.join(dir, 'missing') }), 'DATABASE_URL_FILE');
  });
});
