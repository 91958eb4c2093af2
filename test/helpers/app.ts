/**
 * Builds a ready app on a fresh test database (either engine) with an admin, an editor and a
 * reporter, each with a session cookie, a CSRF token and an API token.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createServices, type Services } from '../../src/services.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import type { Role } from '../../src/db/schema.js';
import type { TestDb } from './dialects.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: Role;
  /** Value for the Cookie header. */
  cookie: string;
  csrf: string;
  /** Admin API bearer token. */
  token: string;
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  config: Config;
  admin: TestUser;
  editor: TestUser;
  reporter: TestUser;
  close(): Promise<void>;
}

export async function buildTestApp(tdb: TestDb, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ FREEWIRE_DATA_DIR: '/tmp/freewire-test-unused', FREEWIRE_PUBLIC_URL: 'http://news.test', FREEWIRE_DEMO_CONTENT: 'false', FREEWIRE_LOG_LEVEL: 'silent', ...env });
  const services = createServices(config, tdb.database);
  const app = await buildApp({ services, logger: false });
  await app.ready();
  const users: Record<Role, TestUser> = {} as Record<Role, TestUser>;
  for (const role of ['admin', 'editor', 'reporter'] as Role[]) {
    const email = `${role}@news.test`;
    const password = `${role}-password-123`;
    const u = await services.users.create(SYSTEM_ACTOR, { email, name: `Test ${role}`, role, password });
    const session = await services.users.createSession((await services.users.findByEmail(email))!, 'test');
    const { token } = await services.users.createToken(SYSTEM_ACTOR, u.id, 'test');
    users[role] = { id: u.id, email, password, role, cookie: `fw_session=${session.token}`, csrf: session.csrfToken, token };
  }
  return { app, services, config, admin: users.admin, editor: users.editor, reporter: users.reporter, close: () => app.close() };
}

/** Creates a desk and an author (as the system) and returns their slugs. */
export async function seedBasics(services: Services): Promise<{ desk: string; author: string }> {
  const desk = await services.desks.create(SYSTEM_ACTOR, { name: 'Environment', description: 'Air, water and land' });
  const author = await services.authors.create(SYSTEM_ACTOR, { name: 'Ada Reporter', title: 'Environment Reporter', bio: 'Covers water.', links: { bluesky: 'ada.example.social' } });
  return { desk: desk.slug, author: author.slug };
}

/** Creates and publishes a story through the services; returns its id and slug. */
export async function publishStory(services: Services, input: { headline: string; body?: string; desk: string; authors: string[]; tags?: string[]; summary?: string }): Promise<{ id: string; slug: string }> {
  const s = await services.stories.create(SYSTEM_ACTOR, { body: 'Body text of the story.', ...input });
  await services.stories.publish(SYSTEM_ACTOR, s.id);
  return { id: s.id, slug: s.slug };
}

/** A valid 1×1 PNG, for tests that upload an image (media only takes real images). */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
