/**
 * A webhook receiver on loopback, as a partner's developer would write one: it verifies every
 * delivery with the independent `standardwebhooks` package (the secret is looked up by the path
 * the endpoint was registered with) and records what arrived. Its answer can be changed while it
 * runs: accept, fail with a status, or hang (never answer) to play a dead endpoint.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  id: string;
  timestamp: string;
  /** The parsed body ({type, timestamp, data}). */
  body: { type: string; timestamp: string; data: Record<string, unknown> };
  /** True when the signature verified with the path's secret. */
  verified: boolean;
  at: number;
}

export type ReceiverMode = { kind: 'accept' } | { kind: 'status'; status: number } | { kind: 'hang' };

export interface Receiver {
  /** http://127.0.0.1:<port> */
  base: string;
  received: Received[];
  /** Requests that came in, verified or not, answered or not. */
  requests: number;
  /** Registers the secret for deliveries to `path`. */
  secret(path: string, secret: string): void;
  mode: ReceiverMode;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const secrets = new Map<string, Webhook>();
  const hanging = new Set<http.ServerResponse>();
  const state: Receiver = {
    base: '',
    received: [],
    requests: 0,
    mode: { kind: 'accept' },
    secret(path, secret) {
      secrets.set(path, new Webhook(secret));
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      const mode = state.mode;
      if (mode.kind === 'hang') {
        hanging.add(res);
        return;
      }
      if (mode.kind === 'status') {
        res.writeHead(mode.status, { 'content-type': 'text/plain' }).end('not now');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0]!;
      const headers = { 'webhook-id': String(req.headers['webhook-id'] ?? ''), 'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''), 'webhook-signature': String(req.headers['webhook-signature'] ?? '') };
      let verified = false;
      try {
        secrets.get(path)?.verify(raw, headers);
        verified = secrets.has(path);
      } catch {
        verified = false;
      }
      let body: Received['body'];
      try {
        body = JSON.parse(raw) as Received['body'];
      } catch {
        res.writeHead(400).end('not JSON');
        return;
      }
      state.received.push({ path, id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], body, verified, at: Date.now() });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
