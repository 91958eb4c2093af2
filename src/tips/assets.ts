/**
 * libsodium for the tip pages, served from our own origin (no third-party script ever runs on a
 * tip page). The ES module build imports its core by bare name ("libsodium-sumo"), which a
 * browser cannot resolve without an import map (an inline script, which our CSP forbids), so the
 * specifier is rewritten to the file beside it. Both files are read once at startup from the
 * installed package: upgrading the package upgrades what browsers get.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../util/ids.js';

const require = createRequire(import.meta.url);

interface Asset {
  body: Buffer;
  etag: string;
}

/** A file of an installed package, found from its main entry (dist/<build>/<file>.js). */
function packageFile(pkg: string, rel: string): string {
  const main = require.resolve(pkg, { paths: [path.dirname(require.resolve('libsodium-wrappers-sumo'))] });
  return path.join(path.dirname(main), '..', '..', rel);
}

function asset(text: string): Asset {
  const body = Buffer.from(text);
  return { body, etag: `"${sha256Hex(body).slice(0, 20)}"` };
}

/** URL paths of the two modules; pages import SODIUM_URL. */
export const SODIUM_URL = '/assets/vendor/libsodium-wrappers.mjs';
const CORE_URL = '/assets/vendor/libsodium-sumo.mjs';

export function registerSodiumAssets(app: FastifyInstance): void {
  const wrappers = readFileSync(packageFile('libsodium-wrappers-sumo', 'dist/modules-sumo-esm/libsodium-wrappers.mjs'), 'utf8');
  const core = readFileSync(packageFile('libsodium-sumo', 'dist/modules-sumo-esm/libsodium-sumo.mjs'), 'utf8');
  const rewritten = wrappers.replace(/from\s*"libsodium-sumo"/, 'from"./libsodium-sumo.mjs"');
  if (rewritten === wrappers) throw new Error('libsodium-wrappers-sumo no longer imports "libsodium-sumo" by name; update src/tips/assets.ts');
  const files = new Map<string, Asset>([
    [SODIUM_URL, asset(rewritten)],
    [CORE_URL, asset(core)],
  ]);
  for (const [url, file] of files) {
    app.get(url, async (request, reply) => {
      reply.header('ETag', file.etag).header('Cache-Control', 'public, max-age=86400');
      if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
      return reply.type('text/javascript; charset=utf-8').send(file.body);
    });
  }
}
