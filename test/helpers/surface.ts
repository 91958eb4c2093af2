/**
 * The whole input surface of a test app, for the hostile-input and fuzzing suites: a world with
 * a published story, an approved partner (signed in to the portal, with an API key, a feed token
 * and a pixel), an unused invitation, and a second partner the admin calls may change; and a
 * crawler that finds every HTML form a visitor, a partner or an admin can reach, with its fields.
 *
 * Forms are found by crawling rather than listed by hand so that a form added later is covered
 * without anyone remembering this file.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parseDocument } from 'htmlparser2';
import type { AnyNode, Element } from 'domhandler';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { approvePartner } from '../../src/partners/decisions.js';
import { submitInquiry } from '../../src/licensing/inquiries.service.js';
import { LicensesService } from '../../src/licensing/licenses.service.js';
import { SYSTEM_ACTOR } from '../../src/users/permissions.js';
import { buildTestApp, publishStory, seedBasics, type TestApp } from './app.js';
import type { TestDb } from './dialects.js';

/** Limits raised so that thousands of requests reach validation instead of a 429. */
export const UNLIMITED_ENV = {
  FREEWIRE_LOGIN_RATE_LIMIT: '10000',
  FREEWIRE_APPLICATION_RATE_LIMIT: '1000000',
  FREEWIRE_API_RATE_LIMIT: '1000000',
  FREEWIRE_TIP_RATE_LIMIT: '1000000',
  FREEWIRE_INQUIRY_RATE_LIMIT: '1000000',
  // The worker timers stay quiet during the run.
  FREEWIRE_ATTRIBUTION_CHECK_INTERVAL_MS: '0',
};

export interface World {
  t: TestApp;
  app: FastifyInstance;
  deskSlug: string;
  authorSlug: string;
  storyId: string;
  storySlug: string;
  partnerId: string;
  /** Cookie header of the signed-in partner user. */
  partnerCookie: string;
  partnerCsrf: string;
  /** A content API key of the partner. */
  apiKey: string;
  feedToken: string;
  pixelToken: string;
  /** An invitation nobody has accepted (its form stays open). */
  invitationPath: string;
  /** A partner only the admin API calls change (approve, reject, suspend). */
  victimPartnerId: string;
  victimUserId: string;
  licenseProfileSlug: string;
  /** A licensing inquiry with a license made from it (a licensee partner of its own). */
  inquiryId: string;
  licenseId: string;
}

let ipCounter = 0;
/** Each anonymous request from its own address, so per-address limits never decide a run. */
export function nextIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export const VALID_APPLICATION = {
  outlet: 'The Daily Planet',
  website: 'https://www.dailyplanet.example',
  contactName: 'Lois Lane',
  email: 'lois@dailyplanet.example',
  audience: 250_000,
  evidence: 'Google Analytics, last three months average.',
  intendedUse: 'Our national news section, on the site and in the app.',
  acceptTerms: true,
};

export async function approvedPartner(t: TestApp, outlet: string, email: string): Promise<{ partnerId: string; invitationPath: string }> {
  const partner = await t.services.partners.apply({ ...VALID_APPLICATION, outlet, email, website: `https://${email.split('@')[1]}` });
  const decision = await approvePartner(t.services, SYSTEM_ACTOR, partner.id);
  assert.ok(decision.invitationUrl);
  return { partnerId: partner.id, invitationPath: new URL(decision.invitationUrl).pathname };
}

export async function buildWorld(tdb: TestDb, env: Record<string, string> = {}): Promise<World> {
  const t = await buildTestApp(tdb, { ...UNLIMITED_ENV, ...env });
  const { desk, author } = await seedBasics(t.services);
  const story = await publishStory(t.services, { headline: 'Water rates rise again', desk, authors: [author], tags: ['Water'] });
  const { partnerId, invitationPath: used } = await approvedPartner(t, 'Valley Herald', 'editor@valleyherald.example');
  const password = 'partner-password-123';
  const csrf = randomBytes(24).toString('base64url');
  const accepted = await t.app.inject({
    method: 'POST',
    url: used,
    remoteAddress: nextIp(),
    headers: { cookie: `fw_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrf, name: 'Pat Partner', password, passwordConfirm: password }).toString(),
  });
  assert.equal(accepted.statusCode, 303, accepted.body);
  const partnerCookie = `fw_partner=${accepted.cookies.find((c) => c.name === 'fw_partner')!.value}`;
  const home = await t.app.inject({ url: '/partners', headers: { cookie: partnerCookie } });
  assert.equal(home.statusCode, 200);
  const partnerCsrf = /name="_csrf" value="([^"]+)"/.exec(home.body)![1]!;
  // A second invitation for the same partner stays unused, so its form can be attacked.
  const invitation = await t.services.partners.createInvitation(partnerId);
  const { key } = await t.services.partners.createKey(SYSTEM_ACTOR, partnerId, 'hostile');
  const feedToken = await t.services.partners.rotateFeedToken(partnerId);
  const pixelToken = await t.services.pixelTokens.tokenFor(story.id, partnerId);
  const victim = await approvedPartner(t, 'Other Gazette', 'desk@othergazette.example');
  const victimUser = await t.services.users.create(SYSTEM_ACTOR, { email: 'victim@news.test', name: 'Victim', role: 'reporter' });
  const profile = await t.services.licenseProfiles.create(SYSTEM_ACTOR, { name: 'Hostile profile', audience: 'free' });
  const { id: inquiryId } = await submitInquiry(t.services, {
    name: 'Lee Licensee', organisation: 'Licensed Post', email: 'lee@licensedpost.example', website: 'https://licensedpost.example',
    intendedUse: 'Print.', medium: 'print', territory: 'Everywhere', expectedVolume: 'Some', message: '',
  });
  const { licenseId } = await new LicensesService(t.services).createFromInquiry(SYSTEM_ACTOR, inquiryId, {
    images: true, startsAt: new Date().toISOString().slice(0, 10), endsAt: new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10), terms: 'Hostile terms.',
  });
  return {
    t,
    app: t.app,
    deskSlug: desk,
    authorSlug: author,
    storyId: story.id,
    storySlug: story.slug,
    partnerId,
    partnerCookie,
    partnerCsrf,
    apiKey: key,
    feedToken,
    pixelToken,
    invitationPath: `/partners/invite/${invitation.token}`,
    victimPartnerId: victim.partnerId,
    victimUserId: victimUser.id,
    licenseProfileSlug: profile.slug,
    inquiryId,
    licenseId,
  };
}

// ---- forms ----------------------------------------------------------------------------------

export type Identity = 'anonymous' | 'partner' | 'admin';

export interface FoundForm {
  identity: Identity;
  /** The page the form is on. */
  page: string;
  action: string;
  multipart: boolean;
  /** Every named field with the value the page fills in (hidden fields included, _csrf not). */
  fields: Array<{ name: string; value: string }>;
}

function walk(nodes: readonly AnyNode[], visit: (el: Element) => void): void {
  const stack = [...nodes].reverse();
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
    const el = n as Element;
    visit(el);
    for (let i = el.children.length - 1; i >= 0; i--) stack.push(el.children[i]!);
  }
}

function textOf(el: Element): string {
  let out = '';
  const stack: AnyNode[] = [...el.children].reverse();
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n.type === 'text') out += (n as unknown as { data: string }).data;
    else if ('children' in n) for (let i = (n as Element).children.length - 1; i >= 0; i--) stack.push((n as Element).children[i]!);
  }
  return out;
}

/** The CSRF token is checked before anything else reads the body, and must stay valid here. */
const NOT_INPUT = new Set(['_csrf']);
/** Forms that would end the session the crawl runs in. */
const ENDS_SESSION = /\/logout/;

export function formsOn(html: string, page: string, identity: Identity): { forms: FoundForm[]; links: string[] } {
  const doc = parseDocument(html);
  const forms: FoundForm[] = [];
  const links: string[] = [];
  walk(doc.children, (el) => {
    if (el.name === 'a' && el.attribs.href) links.push(el.attribs.href);
    if (el.name !== 'form' || (el.attribs.method ?? 'get').toLowerCase() !== 'post') return;
    const action = new URL(el.attribs.action ?? page, `http://news.test${page}`).pathname;
    if (ENDS_SESSION.test(action)) return;
    const fields = new Map<string, string>();
    walk(el.children, (f) => {
      const name = f.attribs.name;
      if (!name || NOT_INPUT.has(name)) return;
      if (f.name === 'input') {
        const type = (f.attribs.type ?? 'text').toLowerCase();
        if (type === 'file' || type === 'submit' || type === 'button' || type === 'image' || type === 'reset') return;
        if ((type === 'checkbox' || type === 'radio') && f.attribs.checked === undefined) {
          if (!fields.has(name)) fields.set(name, '');
          return;
        }
        fields.set(name, f.attribs.value ?? '');
      } else if (f.name === 'textarea') {
        fields.set(name, textOf(f));
      } else if (f.name === 'select') {
        let value = '';
        walk(f.children, (o) => {
          if (o.name === 'option' && (value === '' || o.attribs.selected !== undefined)) value = o.attribs.value ?? textOf(o);
        });
        fields.set(name, value);
      }
    });
    forms.push({
      identity,
      page,
      action,
      multipart: (el.attribs.enctype ?? '').toLowerCase() === 'multipart/form-data',
      fields: [...fields].map(([name, value]) => ({ name, value })),
    });
  });
  return { forms, links };
}

export interface Session {
  identity: Identity;
  cookie: string;
  csrf: string;
}

export function sessions(w: World): Session[] {
  // Before login the form's token is the double-submit cookie's value.
  const anon = randomBytes(24).toString('base64url');
  return [
    { identity: 'anonymous', cookie: `fw_csrf=${anon}`, csrf: anon },
    { identity: 'partner', cookie: w.partnerCookie, csrf: w.partnerCsrf },
    { identity: 'admin', cookie: w.t.admin.cookie, csrf: w.t.admin.csrf },
  ];
}

/**
 * Every POST form reachable by following links from each identity's start pages (at most
 * `maxPages` pages each), one entry per (identity, action), with the fields of the first page
 * that showed it.
 */
export async function crawlForms(w: World, maxPages = 120): Promise<FoundForm[]> {
  const starts: Record<Identity, string[]> = {
    anonymous: ['/', '/republish', '/license', '/newsroom/login', '/partners/login', w.invitationPath, '/tips', '/tips/check'],
    partner: ['/partners', '/partners/keys', '/partners/follows', '/partners/stories'],
    admin: [
      '/newsroom', '/newsroom/stories/new', `/newsroom/stories/${w.storyId}`, '/newsroom/authors/new', '/newsroom/partners', '/newsroom/partners/rules', '/newsroom/license-profiles/new',
      `/newsroom/licensing/${w.inquiryId}`, `/newsroom/licensing/licenses/${w.licenseId}`,
    ],
  };
  const prefix: Record<Identity, RegExp> = {
    anonymous: /^\/(republish|license|newsroom\/login|partners\/(login|invite)|tips)/,
    partner: /^\/partners(\/|$)/,
    admin: /^\/newsroom(\/|$)/,
  };
  const found = new Map<string, FoundForm>();
  for (const s of sessions(w)) {
    const queue = [...starts[s.identity]];
    const seen = new Set<string>(queue);
    let fetched = 0;
    while (queue.length > 0 && fetched < maxPages) {
      const page = queue.shift()!;
      fetched += 1;
      const r = await w.app.inject({ url: page, headers: { cookie: s.cookie }, remoteAddress: nextIp() });
      if (r.statusCode !== 200 || !String(r.headers['content-type'] ?? '').startsWith('text/html')) continue;
      const { forms, links } = formsOn(r.body, page, s.identity);
      for (const f of forms) {
        // One user's, story's or version's form stands for all of them.
        const key = `${s.identity} ${f.action.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(\/|$)/g, '/:id$1').replace(/\/versions\/\d+/, '/versions/:n')}`;
        if (!found.has(key)) found.set(key, f);
      }
      for (const href of links) {
        let path: string;
        try {
          path = new URL(href, `http://news.test${page}`).pathname;
        } catch {
          continue;
        }
        if (!prefix[s.identity].test(path) || path.endsWith('.csv') || seen.has(path)) continue;
        seen.add(path);
        queue.push(path);
      }
    }
  }
  return [...found.values()];
}

/** The body of a form post in the form's own encoding. */
export function formPayload(form: FoundForm, csrf: string, values: Record<string, string>): { payload: string | Buffer; contentType: string } {
  const all = { _csrf: csrf, ...values };
  if (!form.multipart) return { payload: new URLSearchParams(all).toString(), contentType: 'application/x-www-form-urlencoded' };
  const boundary = `----hostile${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(all).map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  return { payload: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function postForm(w: World, s: Session, form: FoundForm, values: Record<string, string>): Promise<LightMyRequestResponse> {
  const { payload, contentType } = formPayload(form, s.csrf, values);
  return w.app.inject({ method: 'POST', url: form.action, remoteAddress: nextIp(), headers: { cookie: s.cookie, 'content-type': contentType }, payload });
}

// ---- JSON endpoints -------------------------------------------------------------------------

export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** OpenAPI path, with {param}s. */
  path: string;
  query: string[];
  body: Array<{ name: string; type: string | undefined }>;
  required: string[];
}

interface OpenApiDoc {
  paths: Record<string, Record<string, {
    parameters?: Array<{ in: string; name: string }>;
    requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }>; required?: string[] } }> };
  }>>;
}

/** Every operation of the Admin API and /api/v1, as the OpenAPI document lists them. */
export async function operations(app: FastifyInstance): Promise<Operation[]> {
  const r = await app.inject({ url: '/api/docs/openapi.json' });
  assert.equal(r.statusCode, 200);
  const doc = JSON.parse(r.body) as OpenApiDoc;
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      out.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        body: Object.entries(schema?.properties ?? {}).map(([name, s]) => ({ name, type: s.type })),
        required: schema?.required ?? [],
      });
    }
  }
  return out;
}

/** The path with its parameters filled from the world (things the calls may change are the victims'). */
export function fillPath(w: World, path: string): string {
  return path
    .replace('/partners/{id}', `/partners/${w.victimPartnerId}`)
    .replace('/users/{id}', `/users/${w.victimUserId}`)
    .replace('/license-profiles/{slug}', `/license-profiles/${w.licenseProfileSlug}`)
    .replace('/authors/{slug}', `/authors/${w.authorSlug}`)
    .replace('/desks/{slug}', `/desks/${w.deskSlug}`)
    .replace('/license-inquiries/{id}', `/license-inquiries/${w.inquiryId}`)
    .replace('/licenses/{id}', `/licenses/${w.licenseId}`)
    .replace('{id}', w.storyId)
    .replace('{n}', '1');
}

/** A body that passes validation, so one hostile field at a time reaches the service. */
export function validBody(w: World, op: Operation): Record<string, unknown> {
  const known: Record<string, unknown> = {
    ...VALID_APPLICATION,
    name: 'A valid name',
    title: 'Reporter',
    headline: 'A valid headline',
    body: 'Valid *Markdown*.',
    authors: [w.authorSlug],
    desk: w.deskSlug,
    at: new Date(Date.now() + 86_400_000).toISOString(),
    text: 'A valid correction.',
    note: 'A valid update.',
    reason: 'A valid reason.',
    role: 'reporter',
    audience: op.path.includes('license-profiles') ? 'free' : VALID_APPLICATION.audience,
  };
  if (op.path.endsWith('/license') && op.method === 'POST') {
    Object.assign(known, { images: true, startsAt: new Date().toISOString().slice(0, 10), endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10), terms: 'Valid terms.' });
  }
  if (op.path === '/api/admin/users' && op.method === 'POST') known.email = `u${randomBytes(6).toString('hex')}@news.test`;
  const out: Record<string, unknown> = {};
  for (const name of op.required) out[name] = known[name] ?? 'Valid text';
  return out;
}

/** Headers that let the call through: an admin token for the Admin API, a partner key for /api/v1. */
export function authFor(w: World, path: string): Record<string, string> {
  if (path.startsWith('/api/admin')) return { authorization: `Bearer ${w.t.admin.token}` };
  if (path.startsWith('/api/v1/stories')) return { authorization: `Bearer ${w.apiKey}` };
  return {};
}
