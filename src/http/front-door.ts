/**
 * The front door: handlers that answer the most frequent requests straight from node:http,
 * before Fastify routes them. Two use it: the view pixel (counted in memory, answered with 43
 * bytes) and cached public pages (answered from the page cache). Everything else, and anything
 * a door handler declines (returns false), goes to Fastify unchanged.
 *
 * A door handler must answer exactly as its Fastify route would (same status, headers and
 * body); test/integration/front-door.test.ts compares the two over real HTTP. While the server
 * is closing every request goes to Fastify, which answers 503.
 *
 * Only real HTTP requests pass here: app.inject() goes straight to Fastify, so tests that use
 * inject exercise the routes, and the door's own tests use a listening server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** Answers the request and returns true, or returns false to hand it to Fastify. */
export type DoorHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const doors = new WeakMap<FastifyInstance, FrontDoor>();

export class FrontDoor {
  /** Handlers for one path prefix, tried first, and only on URLs under it. */
  private readonly prefixed: Array<{ prefix: string; handler: DoorHandler }> = [];
  private readonly handlers: DoorHandler[] = [];
  private closing = false;

  private constructor(app: FastifyInstance) {
    app.addHook('preClose', async () => {
      this.closing = true;
    });
    const server = app.server;
    const listeners = server.listeners('request') as Listener[];
    const [fastify] = listeners;
    // Fastify adds exactly one listener; anything else means another layer owns the server.
    if (listeners.length !== 1 || !fastify) throw new Error('front door: expected Fastify to be the only request listener');
    server.removeListener('request', fastify);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.closing) {
        const url = req.url ?? '';
        for (const door of this.prefixed) if (url.startsWith(door.prefix) && door.handler(req, res)) return;
        for (const handler of this.handlers) if (handler(req, res)) return;
      }
      fastify(req, res);
    });
  }

  /** The app's front door, created on first use. */
  static of(app: FastifyInstance): FrontDoor {
    let door = doors.get(app);
    if (!door) {
      door = new FrontDoor(app);
      doors.set(app, door);
    }
    return door;
  }

  /**
   * Adds a handler; handlers are tried in the order they were added. One given a `prefix` sees
   * only URLs under it and is tried before every handler without one: the pixel's hits skip the
   * page cache's lookup (a hash of each new URL) on their way.
   */
  add(handler: DoorHandler, opts: { prefix?: string } = {}): void {
    if (opts.prefix === undefined) this.handlers.push(handler);
    else this.prefixed.push({ prefix: opts.prefix, handler });
  }
}
