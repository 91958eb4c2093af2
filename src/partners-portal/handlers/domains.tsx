/** The partner's domains page and form: where the pixel may record the pages a story ran on. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formFields, isFormError, text } from '../../newsroom/http.js';
import type { Services } from '../../services.js';
import { partnerSession } from '../auth.js';
import { DomainsPage, type DomainsPageProps } from '../pages/domains.js';
import { redirectWithPortalFlash, renderPortalPage } from '../render.js';

export function domainHandlers(services: Services) {
  const secure = services.config.secureCookies;

  async function domainsPage(request: FastifyRequest, reply: FastifyReply, extra: Partial<DomainsPageProps> = {}, status = 200) {
    const s = partnerSession(request);
    // The session's copy may predate a save on another tab or node: read the row.
    const partner = await services.partners.get(s.partner.id);
    return renderPortalPage(
      services,
      request,
      reply,
      { title: 'Your domains', section: 'domains', status },
      <DomainsPage csrf={s.csrfToken} website={partner.website} domain={partner.domain} extraDomains={partner.extraDomains} {...extra} />,
    );
  }

  return {
    page(request: FastifyRequest, reply: FastifyReply) {
      return domainsPage(request, reply);
    },

    async save(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const value = text(formFields(request.body), 'domains');
      try {
        const p = await services.partners.setExtraDomains(null, s.partner.id, value);
        const n = p.extraDomains.length;
        return redirectWithPortalFlash(reply, '/partners/domains', { kind: 'success', text: n === 0 ? 'Saved: only your website’s domain is listed.' : `Saved: ${n} other ${n === 1 ? 'domain' : 'domains'}.` }, secure);
      } catch (err) {
        if (!isFormError(err)) throw err;
        return domainsPage(request, reply, { value: value.slice(0, 6000), message: err.message, errors: err.details }, err.status);
      }
    },
  };
}
