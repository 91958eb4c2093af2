/** The portal's front page: the outlet, its standing, the program's terms and where to go next. */
import type { Partner } from '../../partners/partners.service.js';
import type { PartnerUser } from '../../partners/partners.service.js';
import type { LicenseOnEnd } from '../../db/schema.js';
import type { LicenseState } from '../../licensing/licenses.js';
import { LocalTime, PageHead, StatusNotice, StatusPill } from './parts.js';

/** One of the partner's licenses, as the dashboard shows it. */
export interface DashboardLicense {
  reference: string;
  /** What it covers, in words (describeScope). */
  covers: string;
  images: boolean;
  startsAt: string;
  endsAt: string | null;
  onEnd: LicenseOnEnd;
  state: LicenseState;
}

const LICENSE_STATES: Record<LicenseState, { label: string; pill: string }> = {
  scheduled: { label: 'Not started yet', pill: 'pending' },
  active: { label: 'In force', pill: 'approved' },
  ending: { label: 'Ending soon', pill: 'pending' },
  ended: { label: 'Ended', pill: 'suspended' },
};

function LicensesSection({ licenses, contact }: { licenses: DashboardLicense[]; contact: string }) {
  return (
    <section aria-labelledby="licenses-title" class="pp-section">
      <h2 id="licenses-title" class="pp-section-title">
        Your licenses
      </h2>
      <p class="pp-muted">
        Your stories, API, feeds and webhooks give you what these licenses cover while they are in force
        {contact ? <>. To renew or change one, contact {contact}.</> : '.'}
      </p>
      <div class="pp-table-wrap">
        <table class="pp-table">
          <caption class="pp-visually-hidden">Your licenses</caption>
          <thead>
            <tr>
              <th scope="col">License</th>
              <th scope="col">Covers</th>
              <th scope="col">Images</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">At the end</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {licenses.map((l) => (
              <tr>
                <th scope="row">{l.reference}</th>
                <td>{l.covers}</td>
                <td>{l.images ? 'Included' : 'Not included'}</td>
                <td>
                  <LocalTime iso={l.startsAt} />
                </td>
                <td>{l.endsAt ? <LocalTime iso={l.endsAt} /> : 'No end date'}</td>
                <td>{l.onEnd === 'keep' ? 'You may keep what you published' : 'Take its stories down'}</td>
                <td>
                  <span class={`pp-pill pp-pill-${LICENSE_STATES[l.state].pill}`}>{LICENSE_STATES[l.state].label}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export interface DashboardProps {
  partner: Partner;
  user: PartnerUser;
  siteName: string;
  profileName: string;
  terms: string[];
  activeKeys: number;
  follows: number;
  hasFeed: boolean;
  /** The partner's licenses, newest start first (empty for partners without any). */
  licenses: DashboardLicense[];
  /** Who to contact about licenses (settings), or ''. */
  licensingContact: string;
}

export function DashboardPage(p: DashboardProps) {
  const approved = p.partner.status === 'approved';
  return (
    <>
      <PageHead title={p.partner.outlet} lede={
          p.partner.kind === 'licensee'
            ? `Welcome, ${p.user.name}. This is your outlet’s home as a ${p.siteName} licensee.`
            : `Welcome, ${p.user.name}. This is your outlet’s home in the ${p.siteName} republishing program.`
        }>
        <StatusPill status={p.partner.status} />
      </PageHead>
      <StatusNotice status={p.partner.status} reason={p.partner.status === 'approved' ? null : p.partner.decisionReason} />

      {approved && (
        <section aria-labelledby="next-title" class="pp-section">
          <h2 id="next-title" class="pp-section-title">
            Get started
          </h2>
          <ul class="pp-tiles">
            <li class="pp-tile">
              <a href="/partners/stories" class="pp-tile-link">
                <span class="pp-tile-title">Stories to republish</span>
                <span class="pp-tile-text">Every story you may use now, each with a ready-to-paste snippet.</span>
              </a>
            </li>
            <li class="pp-tile">
              <a href="/partners/keys" class="pp-tile-link">
                <span class="pp-tile-title">API keys &amp; feeds</span>
                <span class="pp-tile-text">
                  {p.activeKeys === 0 ? 'No active key yet.' : `${p.activeKeys} active ${p.activeKeys === 1 ? 'key' : 'keys'}.`}{' '}
                  {p.hasFeed ? 'Your full-text feed is set up.' : 'Set up a full-text feed for your CMS.'}
                </span>
              </a>
            </li>
            <li class="pp-tile">
              <a href="/partners/follows" class="pp-tile-link">
                <span class="pp-tile-title">Follows &amp; alerts</span>
                <span class="pp-tile-text">
                  {p.follows === 0 ? 'Choose desks, tags and searches to follow.' : `Following ${p.follows} ${p.follows === 1 ? 'item' : 'items'}.`} Set your email alerts.
                </span>
              </a>
            </li>
            <li class="pp-tile">
              <a href="/partners/usage" class="pp-tile-link">
                <span class="pp-tile-title">Your usage</span>
                <span class="pp-tile-text">Views of the stories you ran, and the pages where they ran.</span>
              </a>
            </li>
          </ul>
        </section>
      )}

      {p.licenses.length > 0 && <LicensesSection licenses={p.licenses} contact={p.licensingContact} />}

      <div class="pp-grid-2">
        <section aria-labelledby="terms-title" class="pp-card">
          <h2 id="terms-title">The terms</h2>
          <p class="pp-muted">
            {p.partner.kind === 'licensee' && 'Your licenses say which stories you may use and until when. '}
            Most stories follow the newsroom’s standard terms (“{p.profileName}”). A story can carry its own: its Republish page always shows the terms that
            apply.
          </p>
          <ul class="pp-terms">
            {p.terms.map((t) => (
              <li>{t}</li>
            ))}
          </ul>
          <p>
            {p.partner.kind === 'licensee' ? <a href="/license">Licensing our reporting</a> : <a href="/republish">The full program terms</a>}
          </p>
        </section>
        <section aria-labelledby="outlet-title" class="pp-card">
          <h2 id="outlet-title">Your outlet</h2>
          <dl class="pp-facts">
            <dt>Outlet</dt>
            <dd>{p.partner.outlet}</dd>
            <dt>Website</dt>
            <dd>
              <a href={p.partner.website} rel="noopener noreferrer">
                {p.partner.website}
              </a>
            </dd>
            <dt>Program</dt>
            <dd>
              {p.partner.kind === 'licensee' ? 'Licensee' : 'Free republishing partner'}
              {p.partner.kind === 'free' && p.licenses.length > 0 ? ', with licenses' : ''}
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusPill status={p.partner.status} />
            </dd>
            <dt>Contact</dt>
            <dd>
              {p.partner.contactName} ({p.partner.email})
            </dd>
            <dt>Partner since</dt>
            <dd>
              <LocalTime iso={p.partner.decidedAt ?? p.partner.createdAt} />
            </dd>
            <dt>Signed in as</dt>
            <dd>
              {p.user.name} ({p.user.email}) · <a href="/partners/password">Change your password</a>
            </dd>
          </dl>
        </section>
      </div>
    </>
  );
}
