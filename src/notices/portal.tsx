/**
 * Withdrawals and corrections in the partner portal: a banner on every page for withdrawn
 * stories the partner had and has not acknowledged, the open corrections on the overview, and
 * the Acknowledge form behind both.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import { formFields, param, text } from '../newsroom/http.js';
import { partnerSession } from '../partners-portal/auth.js';
import { redirectWithPortalFlash, safePortalNext } from '../partners-portal/render.js';
import { PortalCsrfField } from '../views/portal-layout.js';
import { LocalTime } from '../partners-portal/pages/parts.js';
import { acknowledgeStory } from './acknowledge.js';
import { openCorrections, openWithdrawals, type OpenNotice } from './ledger.js';

export interface PortalNotices {
  withdrawals: OpenNotice[];
  corrections: OpenNotice[];
}

/**
 * What the banner shows for this request; never fails the page (a banner that cannot be read is
 * left out and logged). Corrections only on the overview: the banner runs on every page and is
 * kept to one query there.
 */
export async function portalNotices(services: Services, request: FastifyRequest, withCorrections: boolean): Promise<PortalNotices | undefined> {
  const s = request.partnerSession;
  if (!s) return undefined;
  try {
    const db = services.database.db;
    const [withdrawals, corrections] = await Promise.all([openWithdrawals(db, s.partner.id), withCorrections ? openCorrections(db, s.partner.id) : Promise.resolve([])]);
    return withdrawals.length === 0 && corrections.length === 0 ? undefined : { withdrawals, corrections };
  } catch (err) {
    request.log.warn({ err }, 'Could not read the partner’s open notices');
    return undefined;
  }
}

function AcknowledgeForm({ notice, csrf, next }: { notice: OpenNotice; csrf: string; next: string }) {
  return (
    <form method="post" action={`/partners/stories/${encodeURIComponent(notice.storyId)}/acknowledge`} class="pp-inline">
      <PortalCsrfField token={csrf} />
      <input type="hidden" name="next" value={next} />
      <button type="submit" class="pp-btn pp-btn-small">
        Acknowledge<span class="visually-hidden">: {notice.headline}</span>
      </button>
    </form>
  );
}

export function PortalNoticeBanner({ notices, csrf, next }: { notices: PortalNotices; csrf: string; next: string }) {
  const { withdrawals, corrections } = notices;
  return (
    <>
      {withdrawals.length > 0 && (
        <section class="pp-notice pp-notice-warn" role="alert" aria-labelledby="pp-withdrawn-title">
          <h2 id="pp-withdrawn-title" class="pp-notice-title">
            {withdrawals.length === 1 ? 'A story you received was withdrawn: take it down' : `${withdrawals.length} stories you received were withdrawn: take them down`}
          </h2>
          <p>Remove these stories from your site and anywhere else you ran them, then acknowledge each one so the newsroom knows.</p>
          <ul>
            {withdrawals.map((n) => (
              <li>
                <strong>{n.headline}</strong> — withdrawn <LocalTime iso={n.at} />
                {n.text ? `. Reason: ${n.text}` : ''} <AcknowledgeForm notice={n} csrf={csrf} next={next} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {corrections.length > 0 && (
        <section class="pp-notice" aria-labelledby="pp-corrected-title">
          <h2 id="pp-corrected-title" class="pp-notice-title">
            {corrections.length === 1 ? 'A story you received was corrected' : `${corrections.length} stories you received were corrected`}
          </h2>
          <p>Update your copies with the corrected text and the correction note, then acknowledge.</p>
          <ul>
            {corrections.map((n) => (
              <li>
                <strong>{n.headline}</strong> — corrected <LocalTime iso={n.at} />: {n.text}{' '}
                <a href={`/partners/stories/${encodeURIComponent(n.storyId)}/republish`}>Get the corrected copy</a> <AcknowledgeForm notice={n} csrf={csrf} next={next} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

export function noticeHandlers(services: Services) {
  const secure = services.config.secureCookies;
  return {
    /** POST /partners/stories/:id/acknowledge — back to the page the form was on. */
    async acknowledge(request: FastifyRequest, reply: FastifyReply) {
      const s = partnerSession(request);
      const next = safePortalNext(text(formFields(request.body), 'next'));
      const done = await acknowledgeStory(services, s.partner, param(request, 'id'), `user:${s.user.id}`);
      const what = done.type === 'story.withdrawn' ? 'the withdrawal' : 'the correction';
      return redirectWithPortalFlash(reply, next, { kind: 'success', text: `Thank you: ${what} is acknowledged. The newsroom can see it.` }, secure);
    },
  };
}
