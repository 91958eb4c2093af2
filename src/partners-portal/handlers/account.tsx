/** The dashboard, API keys and feed links, follows and notice preferences. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import { formFields, isFormError, param, text } from '../../newsroom/http.js';
import type { Services } from '../../services.js';
import { partnerSession } from '../auth.js';
import { DashboardPage, type DashboardLicense } from '../pages/dashboard.js';
import { describeScope, licenseState } from '../../licensing/licenses.js';
import { FollowsPage, type FollowsPageProps } from '../pages/follows.js';
import { KeysPage, type KeysPageProps } from '../pages/keys.js';
import { redirectWithPortalFlash, renderPortalPage } from '../render.js';

export function accountHandlers(services: Services) {
  const secure = services.config.secureCookies;

  async function keysPage(request: FastifyRequest, reply: FastifyReply, extra: Partial<KeysPageProps> = {}, status = 200) {
    const s = partnerSession(request);
    const [keys, hasFeed] = await Promise.all([services.partners.listKeys(s.partner.id), services.partnerAccounts.hasFeedToken(s.partner.id)]);
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'API keys & feeds', section: 'keys', scripts: ['/assets/portal-copy.js'], status },
      <KeysPage csrf={s.csrfToken} publicUrl={services.config.publicUrl} keys={keys} hasFeed={hasFeed} {...extra} />,
    );
  }

  async function followsPage(request: FastifyRequest, reply: FastifyReply, failed?: FollowsPageProps['failed'], status = 200) {
    const s = partnerSession(request);
    const [desks, follows, prefs] = await Promise.all([services.desks.list(), services.partnerAccounts.follows(s.partner.id), services.partnerAccounts.prefs(s.partner.id)]);
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Follows & alerts', section: 'follows', status },
      <FollowsPage csrf={s.csrfToken} desks={desks} follows={follows} prefs={prefs} canSeeStories={s.partner.status === 'approved'} failed={failed} />,
    );
  }

  return {
    async dashboard(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const settings = await services.settings.get();
      const profile = await services.licenseProfiles.defaultProfile();
      const approved = s.partner.status === 'approved';
      const [keys, follows, hasFeed, licenses] = await Promise.all([
        approved ? services.partners.listKeys(s.partner.id) : Promise.resolve([]),
        services.partnerAccounts.follows(s.partner.id),
        approved ? services.partnerAccounts.hasFeedToken(s.partner.id) : Promise.resolve(false),
        services.licenses.forPartner(s.partner.id),
      ]);
      const now = services.partnerAccess.now();
      const names = licenses.length > 0 ? await services.licenses.scopeNames() : undefined;
      const shown: DashboardLicense[] = licenses
        .map((l) => ({ reference: l.reference, covers: describeScope(l, names!), images: l.images, startsAt: l.startsAt, endsAt: l.endsAt, onEnd: l.onEnd, state: licenseState(l, now) }))
        .reverse();
      return renderPortalPage(
        services,
        request,
        reply,
        { title: 'Overview', section: 'dashboard' },
        <DashboardPage
          partner={s.partner}
          user={s.user}
          siteName={settings.siteName}
          profileName={profile.name}
          terms={services.licenseProfiles.describe(profile, { site: settings.siteName })}
          activeKeys={keys.filter((k) => !k.revokedAt).length}
          follows={follows.length}
          hasFeed={hasFeed}
          licenses={shown}
          licensingContact={settings.licensingContact.trim()}
        />,
      );
    },

    keys(request: FastifyRequest, reply: FastifyReply) {
      return keysPage(request, reply);
    },

    async createKey(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const name = text(formFields(request.body), 'name');
      try {
        const created = await services.partners.createKey(null, s.partner.id, name);
        // Rendered in the response rather than after a redirect: the key must never be stored, not even in a cookie.
        return await keysPage(request, reply, { newKey: { name: created.name, key: created.key } }, 201);
      } catch (err) {
        if (err instanceof AppError && err.code === 'VALIDATION') return keysPage(request, reply, { keyName: name.slice(0, 100), message: 'The key needs a name.', errors: err.details }, 400);
        throw err;
      }
    },

    async revokeKey(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const id = param(request, 'id');
      const key = (await services.partners.listKeys(s.partner.id)).find((k) => k.id === id);
      if (!key) throw new AppError('NOT_FOUND', 'No such key for your outlet.');
      await services.partners.revokeKey(null, s.partner.id, id);
      return redirectWithPortalFlash(reply, '/partners/keys', { kind: 'success', text: `The key “${key.name}” is revoked; requests with it are refused from now on.` }, secure);
    },

    async rotateFeed(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const token = await services.partners.rotateFeedToken(s.partner.id);
      const base = `${services.config.publicUrl}/partners/feed/${encodeURIComponent(token)}`;
      return keysPage(request, reply, { newFeed: { rss: `${base}/rss.xml`, atom: `${base}/atom.xml` } }, 201);
    },

    follows(request: FastifyRequest, reply: FastifyReply) {
      return followsPage(request, reply);
    },

    async addFollow(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const fields = formFields(request.body);
      const kind = text(fields, 'kind');
      if (kind !== 'desk' && kind !== 'tag' && kind !== 'search') throw new AppError('BAD_REQUEST', 'Choose a desk, a tag or a search to follow.');
      const value = text(fields, kind);
      try {
        let label = value.trim();
        if (kind === 'desk') {
          const desk = (await services.desks.list()).find((d) => d.id === value);
          if (!desk) throw new AppError('VALIDATION', 'Choose a desk from the list.', { details: { desk: ['is not one of the desks'] } });
          label = desk.name;
        }
        await services.partnerAccounts.follow(s.user, kind, value);
        const what = kind === 'desk' ? `the ${label} desk` : kind === 'tag' ? `the tag “${label}”` : `the search “${label}”`;
        return redirectWithPortalFlash(reply, '/partners/follows', { kind: 'success', text: `You now follow ${what}.` }, secure);
      } catch (err) {
        if (isFormError(err)) {
          return followsPage(request, reply, { form: kind, value: value.slice(0, 200), message: err.message, errors: err.details }, err.status);
        }
        throw err;
      }
    },

    async removeFollow(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      await services.partnerAccounts.unfollow(s.user, param(request, 'id'));
      return redirectWithPortalFlash(reply, '/partners/follows', { kind: 'success', text: 'Removed from what you follow.' }, secure);
    },

    async savePrefs(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const fields = formFields(request.body);
      // Unchecked boxes are simply absent from a form post.
      const on = (name: string) => fields[name] !== undefined && text(fields, name) !== '' && text(fields, name) !== 'off';
      await services.partnerAccounts.setPrefs(s.user, { emailOnCorrection: on('emailOnCorrection'), emailOnKill: on('emailOnKill'), dailyDigest: on('dailyDigest') });
      return redirectWithPortalFlash(reply, '/partners/follows', { kind: 'success', text: 'Your email settings are saved.' }, secure);
    },
  };
}
