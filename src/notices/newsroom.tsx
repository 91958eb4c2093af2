/**
 * The newsroom's view of who had a story: every partner that received it (content API, feed,
 * webhook, or a pixel hit on its pages), which version reached it and when, whether the latest
 * correction or withdrawal was emailed and acknowledged — and a Re-send button per partner.
 * Editors and admins (partners.review).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import type { Story } from '../stories/stories.service.js';
import { AppError } from '../errors.js';
import { param, redirectWithFlash, staff } from '../newsroom/http.js';
import { renderPage } from '../newsroom/render.js';
import { StatusBadge, Time } from '../newsroom/pages/components.js';
import { CsrfField } from '../views/newsroom-layout.js';
import { latestNotice, storyRecipients, type NoticeEvent, type StoryRecipient } from './ledger.js';
import { resendNotice } from './notices.js';

const ID = /^[0-9A-Za-z-]{1,64}$/;

const CHANNEL_LABELS: Record<string, string> = { api: 'Content API', feed: 'Feed', webhook: 'Webhook', pixel: 'Pixel (views)' };

export interface RecipientsPageProps {
  story: Story;
  notice: NoticeEvent | undefined;
  items: StoryRecipient[];
  csrf: string;
}

export function RecipientsPage({ story, notice, items, csrf }: RecipientsPageProps) {
  const what = notice ? (notice.type === 'story.withdrawn' ? 'withdrawal' : 'correction') : undefined;
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/stories">Stories</a> / <a href={`/newsroom/stories/${story.id}`}>{story.headline || '(no headline)'}</a> /
          </p>
          <h1>Partners who had this story</h1>
          <p class="story-meta">
            <StatusBadge status={story.status} />
            <span>
              {items.length} {items.length === 1 ? 'partner' : 'partners'}
            </span>
          </p>
        </div>
        <div class="page-actions">
          <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}/versions`}>
            Versions
          </a>
        </div>
      </div>
      {notice ? (
        <p class="hint">
          Latest {what}: <Time iso={notice.createdAt} />
          {notice.version !== null ? ` (version ${notice.version})` : ''} — “{notice.text}”. “Notice emailed” and “Acknowledged” are about this {what}; Re-send
          sends it again to the partner’s webhooks and by email.
        </p>
      ) : (
        <p class="hint">This story has had no correction and has not been withdrawn: there is nothing to re-send yet.</p>
      )}
      {items.length === 0 ? (
        <p>No partner has received this story yet through the content API, a feed, a webhook or its pages.</p>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Partners who had this story, by outlet</caption>
            <thead>
              <tr>
                <th scope="col">Outlet</th>
                <th scope="col">Channels</th>
                <th scope="col">Version delivered</th>
                <th scope="col">Last delivered</th>
                <th scope="col">Notice emailed</th>
                <th scope="col">Acknowledged</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={`/newsroom/partners/${r.partner.id}`}>{r.partner.outlet}</a>
                  </th>
                  <td>{r.channels.map((c) => CHANNEL_LABELS[c] ?? c).join(', ')}</td>
                  <td>{r.deliveredVersion ?? <span class="muted">—</span>}</td>
                  <td>{r.deliveredAt ? <Time iso={r.deliveredAt} /> : <span class="muted">—</span>}</td>
                  <td>{r.noticeSentAt ? <Time iso={r.noticeSentAt} /> : <span class="muted">{notice ? 'not emailed' : '—'}</span>}</td>
                  <td>{r.acknowledgedAt ? <Time iso={r.acknowledgedAt} /> : <span class="muted">{notice ? 'not yet' : '—'}</span>}</td>
                  <td>
                    {notice && (
                      <form method="post" action={`/newsroom/stories/${story.id}/recipients/${r.partner.id}/resend`} class="inline-form">
                        <CsrfField token={csrf} />
                        <button type="submit" class="btn btn-secondary btn-small">
                          Re-send<span class="visually-hidden"> the {what} to {r.partner.outlet}</span>
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export function recipientHandlers(services: Services) {
  const secure = services.config.secureCookies;
  const storyOf = async (request: FastifyRequest): Promise<Story> => {
    const id = param(request, 'id');
    if (!ID.test(id)) throw new AppError('STORY_NOT_FOUND', 'There is no such story.');
    return services.stories.get(id);
  };
  return {
    /** GET /newsroom/stories/:id/recipients */
    async page(request: FastifyRequest, reply: FastifyReply) {
      const story = await storyOf(request);
      const db = services.database.db;
      const [items, notice] = await Promise.all([storyRecipients(db, story.id), latestNotice(db, story.id)]);
      return renderPage(
        services,
        request,
        reply,
        { title: `Partners who had: ${story.headline}`, section: 'stories', wide: true },
        <RecipientsPage story={story} notice={notice} items={items} csrf={staff(request).csrfToken} />,
      );
    },

    /** POST /newsroom/stories/:id/recipients/:partnerId/resend */
    async resend(request: FastifyRequest, reply: FastifyReply) {
      const story = await storyOf(request);
      const partnerId = param(request, 'partnerId');
      if (!ID.test(partnerId)) throw new AppError('NOT_FOUND', 'There is no such partner.');
      const done = await resendNotice(services, staff(request).actor, story.id, partnerId);
      const outlet = (await services.partners.get(partnerId)).outlet;
      const what = done.type === 'story.withdrawn' ? 'withdrawal' : 'correction';
      const parts = [
        done.webhooks > 0 ? `${done.webhooks} webhook ${done.webhooks === 1 ? 'delivery' : 'deliveries'} queued` : 'no webhook (no earlier delivery of it, or no enabled endpoint)',
        done.emails > 0 ? `${done.emails} ${done.emails === 1 ? 'email' : 'emails'}` : 'no email (no valid address)',
      ];
      return redirectWithFlash(reply, `/newsroom/stories/${story.id}/recipients`, { kind: 'success', text: `Re-sent the ${what} to ${outlet}: ${parts.join(' and ')}.` }, secure);
    },
  };
}
