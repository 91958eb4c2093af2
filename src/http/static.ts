/**
 * Serves the few static files in public/ (CSS, small scripts, icons) from memory, with ETags.
 * Loaded once at startup: the set is small and fixed per release.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../util/ids.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../public');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAssets(dir: string, prefix = ''): Map<string, Asset> {
  const out = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      for (const [k, v] of loadAssets(full, `${prefix}${name}/`)) out.set(k, v);
      continue;
    }
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = readFileSync(full);
    out.set(`${prefix}${name}`, { body, type, etag: `"${sha256Hex(body).slice(0, 20)}"` });
  }
  return out;
}

export function registerStatic(app: FastifyInstance): void {
  const assets = loadAssets(PUBLIC_DIR);
  app.get<{ Params: { '*': string } }>('/assets/*', async (request, reply) => {
    const asset = assets.get(request.params['*']);
    if (!asset) return reply.callNotFound();
    reply.header('ETag', asset.etag).header('Cache-Control', 'public, max-age=3600');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}
