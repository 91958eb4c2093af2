/** What a partner follows (desks, tags, saved searches) and how they want to be told. */
import type { ComponentChildren } from 'preact';
import { ErrorSummary, Select, TextField, type Errors } from '../../newsroom/pages/components.js';
import type { Desk } from '../../desks/desks.service.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import type { PartnerFollow, PartnerPrefs } from '../accounts.service.js';
import { LocalTime, PageHead } from './parts.js';

export interface FollowsPageProps {
  csrf: string;
  desks: Desk[];
  follows: PartnerFollow[];
  prefs: PartnerPrefs;
  canSeeStories: boolean;
  /** The form that failed, its values and errors. */
  failed?: { form: 'desk' | 'tag' | 'search'; value: string; message: string; errors?: Errors | undefined } | undefined;
}

function FollowForm(props: { csrf: string; kind: 'desk' | 'tag' | 'search'; failed: FollowsPageProps['failed']; children: ComponentChildren; button: string }) {
  const failed = props.failed?.form === props.kind ? props.failed : undefined;
  return (
    <form method="post" action="/partners/follows" class="pp-row-form">
      <PortalCsrfField token={props.csrf} />
      <input type="hidden" name="kind" value={props.kind} />
      {failed && <ErrorSummary message={failed.message} />}
      {props.children}
      <button type="submit" class="pp-btn pp-btn-secondary">
        {props.button}
      </button>
    </form>
  );
}

export function FollowsPage(p: FollowsPageProps) {
  const deskName = new Map(p.desks.map((d) => [d.id, d.name]));
  const groups: Array<{ kind: PartnerFollow['kind']; title: string }> = [
    { kind: 'desk', title: 'Desks' },
    { kind: 'tag', title: 'Tags' },
    { kind: 'search', title: 'Saved searches' },
  ];
  const followedDesks = new Set(p.follows.filter((f) => f.kind === 'desk').map((f) => f.value));
  const deskOptions = p.desks.filter((d) => !followedDesks.has(d.id)).map((d) => ({ value: d.id, label: d.name }));
  const errorsFor = (kind: 'desk' | 'tag' | 'search') => (p.failed?.form === kind ? p.failed.errors : undefined);
  const valueFor = (kind: 'desk' | 'tag' | 'search') => (p.failed?.form === kind ? p.failed.value : '');
  return (
    <>
      <PageHead title="Follows & alerts" lede="Follow the desks, tags and searches that matter to your readers, and choose which emails you get.">
        {p.canSeeStories && (
          <a class="pp-btn pp-btn-secondary" href="/partners/stories?following=1">
            Stories you follow
          </a>
        )}
      </PageHead>

      <div class="pp-grid-2">
        <section class="pp-card" aria-labelledby="following-title">
          <h2 id="following-title">You follow</h2>
          {p.follows.length === 0 && <p class="pp-empty">Nothing yet. Add a desk, a tag or a search.</p>}
          {groups.map((g) => {
            const items = p.follows.filter((f) => f.kind === g.kind);
            if (items.length === 0) return null;
            return (
              <>
                <h3 class="pp-subtitle">{g.title}</h3>
                <ul class="pp-follow-list">
                  {items.map((f) => {
                    const label = f.kind === 'desk' ? (deskName.get(f.value) ?? 'A desk that no longer exists') : f.value;
                    return (
                      <li>
                        <span class="pp-follow-label">
                          {f.kind === 'search' ? `“${label}”` : label}
                          <span class="pp-muted pp-small">
                            {' '}
                            since <LocalTime iso={f.createdAt} />
                          </span>
                        </span>
                        <form method="post" action={`/partners/follows/${encodeURIComponent(f.id)}/remove`} class="pp-inline">
                          <PortalCsrfField token={p.csrf} />
                          <button type="submit" class="pp-btn pp-btn-quiet pp-btn-small" aria-label={`Stop following ${label}`}>
                            Remove
                          </button>
                        </form>
                      </li>
                    );
                  })}
                </ul>
              </>
            );
          })}
        </section>

        <section class="pp-card" aria-labelledby="add-title">
          <h2 id="add-title">Follow more</h2>
          {deskOptions.length > 0 ? (
            <FollowForm csrf={p.csrf} kind="desk" failed={p.failed} button="Follow desk">
              <Select name="desk" label="Desk" value={valueFor('desk')} options={deskOptions} errors={errorsFor('desk')} />
            </FollowForm>
          ) : (
            <p class="pp-muted">{p.desks.length === 0 ? 'The newsroom has no desks yet.' : 'You follow every desk.'}</p>
          )}
          <FollowForm csrf={p.csrf} kind="tag" failed={p.failed} button="Follow tag">
            <TextField name="tag" label="Tag" value={valueFor('tag')} maxLength={100} errors={errorsFor('tag')} hint="A topic as the newsroom tags it, e.g. “Water”." />
          </FollowForm>
          <FollowForm csrf={p.csrf} kind="search" failed={p.failed} button="Save search">
            <TextField
              name="search"
              label="Search"
              type="search"
              value={valueFor('search')}
              maxLength={200}
              errors={errorsFor('search')}
              hint="Words to look for in new stories, e.g. a town in your area."
            />
          </FollowForm>
        </section>
      </div>

      <section class="pp-card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">How we tell you</h2>
        <p class="pp-muted">Emails go to your outlet’s contact address.</p>
        <form method="post" action="/partners/follows/prefs" class="pp-stack">
          <PortalCsrfField token={p.csrf} />
          <fieldset class="pp-checks">
            <legend>Email me</legend>
            <label class="pp-check">
              <input type="checkbox" name="emailOnCorrection" value="on" checked={p.prefs.emailOnCorrection} />
              <span>
                When a story I may have republished is <strong>corrected</strong>
              </span>
            </label>
            <label class="pp-check">
              <input type="checkbox" name="emailOnKill" value="on" checked={p.prefs.emailOnKill} />
              <span>
                When such a story is <strong>withdrawn</strong> (a kill: take it down)
              </span>
            </label>
            <label class="pp-check">
              <input type="checkbox" name="dailyDigest" value="on" checked={p.prefs.dailyDigest} />
              <span>A daily digest of new stories from what I follow</span>
            </label>
          </fieldset>
          <div>
            <button type="submit" class="pp-btn pp-btn-primary">
              Save email settings
            </button>
            {p.prefs.updatedAt && (
              <span class="pp-muted pp-small">
                {' '}
                Last saved <LocalTime iso={p.prefs.updatedAt} />
              </span>
            )}
          </div>
        </form>
      </section>
    </>
  );
}
