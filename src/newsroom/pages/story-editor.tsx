/**
 * The story editor. Works as a plain form with JavaScript off; newsroom-editor.js adds the live
 * preview, autosave, slug-from-headline, word count and local time zones.
 *
 * Every lifecycle button submits the same form to its own URL (formaction), so what the editor
 * sees on screen is what gets saved and then published, scheduled or amended.
 */
import type { Author } from '../../authors/authors.service.js';
import type { Desk } from '../../desks/desks.service.js';
import type { Story, StoryNote } from '../../stories/stories.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { RawHtml } from '../../views/raw-html.js';
import { ChoiceGroup, ErrorSummary, formatUtc, Select, StatusBadge, TextArea, TextField, Time, type Errors } from './components.js';

export interface EditorValues {
  headline: string;
  slug: string;
  summary: string;
  dateline: string;
  desk: string;
  authors: string[];
  /** Comma-separated, as typed. */
  tags: string;
  syndication: string;
  /** License profile slug; '' for the site default. */
  licenseProfile: string;
  /** datetime-local value; `embargoUtc` is the instant it stands for when known. */
  embargoAt: string;
  embargoUtc: string | null;
  body: string;
  scheduleAt: string;
  scheduleUtc: string | null;
  updateNote: string;
  correctionText: string;
}

export interface EditorPageProps {
  story: Story | null;
  values: EditorValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  csrf: string;
  desks: Desk[];
  authors: Author[];
  notes: StoryNote[];
  canPublish: boolean;
  canCorrect: boolean;
  canWithdraw: boolean;
  /** Public base URL, for the address preview under the slug. */
  publicUrl: string;
  /** Sanitised HTML of the body (server-rendered so the pane is useful with JS off). */
  previewHtml: string;
  wordCount: number;
  /** The slug still follows the headline (new story, or never customised). */
  slugAuto: boolean;
  /** License profiles to choose from, and the one "default" stands for. */
  licenseProfiles: Array<{ slug: string; name: string }>;
  defaultLicenseProfile: string;
  /** The viewer may open /newsroom/license-profiles. */
  canViewLicenses: boolean;
  /**
   * The viewer may change who may have the story (syndication, license profile, embargo). False
   * for reporters on a published or scheduled story: the fields are then shown, not offered.
   */
  canEditRights: boolean;
}

export const EDITOR_LABELS: Record<string, string> = {
  headline: 'Headline',
  slug: 'Slug',
  summary: 'Summary',
  dateline: 'Dateline',
  desk: 'Desk',
  authors: 'Authors',
  tags: 'Tags',
  syndication: 'Syndication',
  licenseProfile: 'License profile',
  embargoAt: 'Embargo until',
  body: 'Body',
  scheduleAt: 'Publish at',
  updateNote: "Editor's note",
  correctionText: 'Correction',
  withdrawReason: 'Reason for withdrawal',
};

const SYNDICATION_OPTIONS = [
  { value: 'free', label: 'Free to partners', hint: '— eligible publishers may republish it' },
  { value: 'licensees', label: 'Licensees only', hint: '— only organisations with a license' },
  { value: 'none', label: 'Not for syndication', hint: '— our site only' },
];

/** Who may have the story, shown without controls (reporters on a published or scheduled story). */
function RightsReadOnly({ values, profiles, defaultProfile }: { values: EditorValues; profiles: Array<{ slug: string; name: string }>; defaultProfile: string }) {
  const syndication = SYNDICATION_OPTIONS.find((o) => o.value === values.syndication)?.label ?? values.syndication;
  const profile = values.licenseProfile === '' ? `Default (${defaultProfile})` : (profiles.find((p) => p.slug === values.licenseProfile)?.name ?? values.licenseProfile);
  return (
    <div class="rights-readonly" data-rights="readonly">
      <dl>
        <dt>Syndication</dt>
        <dd>{syndication}</dd>
        <dt>License profile</dt>
        <dd>{profile}</dd>
        <dt>Embargo until</dt>
        <dd>{values.embargoUtc ? formatUtc(values.embargoUtc) : 'No embargo'}</dd>
      </dl>
      <p class="hint">An editor sets who may have a published or scheduled story: syndication, license profile, embargo and lead image.</p>
    </div>
  );
}

function TzHint({ what }: { what: string }) {
  return (
    <span data-tz-hint="">
      {what} is read as UTC. (With JavaScript on, your computer's time zone is used.)
    </span>
  );
}

/**
 * Lifecycle controls. They sit beside the preview, outside the <form> element, and join the
 * story form through the `form` attribute: each button still submits what is on screen.
 */
function PublishingPanel({ story, values, errors, canCorrect }: { story: Story; values: EditorValues; errors: Errors | undefined; canCorrect: boolean }) {
  const published = story.status === 'published';
  return (
    <section class="side-card panel-publishing" id="publishing" aria-labelledby="publishing-title">
      <h2 id="publishing-title">Publishing</h2>
      {published && <p class="hint">Edits stay in the working copy until you publish them as an update or a correction.</p>}
      {(story.status === 'draft' || story.status === 'scheduled') && (
        <div class="publish-block">
          {story.status === 'scheduled' && story.scheduledAt ? (
            <p>
              Scheduled to publish <Time iso={story.scheduledAt} />.
            </p>
          ) : (
            <p class="hint">Publish now from the bar above, or choose a time.</p>
          )}
          <TextField
            name="scheduleAt"
            form="story-form"
            label="Publish at"
            type="datetime-local"
            value={values.scheduleAt}
            errors={errors}
            data={values.scheduleUtc ? { utc: values.scheduleUtc, 'iso-field': 'scheduleAtIso' } : { 'iso-field': 'scheduleAtIso' }}
            hint={<TzHint what="This time" />}
          />
          <input type="hidden" name="scheduleAtIso" value="" form="story-form" />
          <div class="button-row">
            <button type="submit" form="story-form" class="btn btn-secondary" formaction={`/newsroom/stories/${story.id}/schedule`}>
              {story.status === 'scheduled' ? 'Reschedule' : 'Schedule'}
            </button>
            {story.status === 'scheduled' && (
              <button type="submit" form="story-form" class="btn btn-secondary" formaction={`/newsroom/stories/${story.id}/unschedule`}>
                Unschedule
              </button>
            )}
          </div>
        </div>
      )}
      {published && (
        <>
          <details class="publish-block" open={!!(errors?.updateNote || values.updateNote)}>
            <summary>Publish an update…</summary>
            <TextArea
              name="updateNote"
              form="story-form"
              label="Editor's note"
              value={values.updateNote}
              errors={errors}
              rows={2}
              maxLength={2000}
              hint="Shown to readers with the update. Leave blank for “This story has been updated.”"
            />
            <button type="submit" form="story-form" class="btn btn-publish" formaction={`/newsroom/stories/${story.id}/update`}>
              Publish update
            </button>
          </details>
          {canCorrect && (
            <details class="publish-block" open={!!(errors?.correctionText || values.correctionText)}>
              <summary>Publish a correction…</summary>
              <TextArea
                name="correctionText"
                form="story-form"
                label="Correction"
                value={values.correctionText}
                errors={errors}
                rows={2}
                maxLength={2000}
                hint="Required. Shown on the story page and sent to partners, e.g. “An earlier version misspelled the minister's name.”"
              />
              <button type="submit" form="story-form" class="btn btn-warning" formaction={`/newsroom/stories/${story.id}/correct`}>
                Publish correction
              </button>
            </details>
          )}
        </>
      )}
    </section>
  );
}

export function StoryEditorPage(props: EditorPageProps) {
  const { story, values, errors } = props;
  const isNew = story === null;
  const withdrawn = story?.status === 'withdrawn';
  const published = story?.status === 'published';
  const slugLocked = !!story?.publishedAt;
  const action = isNew ? '/newsroom/stories' : `/newsroom/stories/${story.id}`;
  const base = `${props.publicUrl}/stories/`;
  return (
    <>
      <div class="page-header editor-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/stories">Stories</a> /
          </p>
          <h1>{isNew ? 'New story' : story.headline || '(no headline)'}</h1>
          {story && (
            <p class="story-meta">
              <StatusBadge status={story.status} />
              {story.hasUnpublishedChanges && <span class="badge badge-changes">Unpublished changes</span>}
              <span>Version {story.currentVersion}</span>
              <span>{story.liveVersion !== null ? `Live: version ${story.liveVersion}` : 'Not live'}</span>
              {story.status === 'scheduled' && story.scheduledAt && (
                <span>
                  Publishes <Time iso={story.scheduledAt} />
                </span>
              )}
            </p>
          )}
        </div>
        {story && (
          <div class="page-actions">
            <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}/versions`}>
              Versions
            </a>
            {props.canViewLicenses && story.publishedAt && (
              <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}/recipients`}>
                Partners who had it
              </a>
            )}
            <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}/preview`} target="_blank" rel="noopener">
              Preview as reader<span class="visually-hidden"> (opens in a new tab)</span>
            </a>
            {published && (
              <a class="btn btn-secondary" href={`/stories/${story.slug}`}>
                View live
              </a>
            )}
          </div>
        )}
      </div>

      {withdrawn && story && (
        <div class="notice notice-withdrawn" role="note">
          <strong>Withdrawn</strong> <Time iso={story.withdrawnAt} />: {story.withdrawnReason}. A withdrawn story can no longer be edited or
          published; its versions stay available.
        </div>
      )}

      <ErrorSummary message={props.message} errors={errors} labels={EDITOR_LABELS} />

      <div class="editor-layout">
        <form
          id="story-form"
          class="editor-form"
          method="post"
          action={action}
          data-preview-url="/newsroom/preview"
          data-autosave-url={story && !withdrawn ? `/newsroom/stories/${story.id}/autosave` : undefined}
          novalidate
        >
          <CsrfField token={props.csrf} />
          <fieldset class="plain" disabled={withdrawn}>
            <legend class="visually-hidden">Story</legend>
            <div class="action-bar">
              <button type="submit" class="btn btn-primary">
                {isNew ? 'Create draft' : 'Save'}
              </button>
              {story && props.canPublish && (story.status === 'draft' || story.status === 'scheduled') && (
                <button type="submit" class="btn btn-publish" formaction={`/newsroom/stories/${story.id}/publish`}>
                  Publish now
                </button>
              )}
              <span class="autosave-status" id="autosave-status" role="status" aria-live="polite"></span>
              <span class="word-count">
                <span id="word-count" data-word-count="">
                  {props.wordCount}
                </span>{' '}
                words
              </span>
            </div>

            <TextField name="headline" label="Headline" value={values.headline} errors={errors} required maxLength={200} inputClass="input-headline" />
            <TextField
              name="slug"
              label="Slug"
              value={values.slug}
              errors={errors}
              readOnly={slugLocked}
              maxLength={100}
              data={{ auto: props.slugAuto && !slugLocked ? 'true' : 'false' }}
              hint={
                <>
                  {slugLocked
                    ? 'The address of a published story cannot change. '
                    : isNew
                      ? 'Made from the headline; leave blank to let it follow. '
                      : 'Lowercase letters, digits and hyphens. '}
                  Address:{' '}
                  <span class="slug-preview">
                    {base}
                    <strong data-slug-preview="">{values.slug || '…'}</strong>
                  </span>
                </>
              }
            />
            <TextArea name="summary" label="Summary" value={values.summary} errors={errors} rows={2} maxLength={600} hint="One or two sentences shown under the headline and in feeds." />
            <TextArea
              name="body"
              label="Body"
              value={values.body}
              errors={errors}
              rows={22}
              maxLength={200000}
              inputClass="input-body"
              hint="Markdown: ## for headings, **bold**, *italic*, [link text](https://…), > for quotes, - for lists."
            />

            <fieldset class="panel">
              <legend>Details</legend>
              <div class="grid-2">
                <Select
                  name="desk"
                  label="Desk"
                  value={values.desk}
                  errors={errors}
                  required
                  options={[{ value: '', label: 'Choose a desk…' }, ...props.desks.map((d) => ({ value: d.slug, label: d.name }))]}
                />
                <TextField name="dateline" label="Dateline" value={values.dateline} errors={errors} maxLength={100} hint="Where the story was reported, e.g. NAIROBI." />
              </div>
              <ChoiceGroup
                name="authors"
                label="Authors"
                type="checkbox"
                values={values.authors}
                errors={errors}
                required
                hint={props.authors.length === 0 ? 'No authors yet: an editor can add them under Authors.' : 'Bylines appear in this order.'}
                options={props.authors.map((a) => ({ value: a.slug, label: a.name, hint: a.title ? `— ${a.title}` : undefined }))}
              />
              <TextField name="tags" label="Tags" value={values.tags} errors={errors} maxLength={1400} hint="Separate tags with commas, e.g. climate, water, Kenya." />
              {props.canEditRights ? (
                <>
                  <ChoiceGroup name="syndication" label="Syndication" type="radio" values={[values.syndication]} errors={errors} options={SYNDICATION_OPTIONS} />
                  <Select
                    name="licenseProfile"
                    label="License profile"
                    value={values.licenseProfile}
                    errors={errors}
                    options={[
                      { value: '', label: `Default (${props.defaultLicenseProfile})` },
                      ...props.licenseProfiles.map((p) => ({ value: p.slug, label: p.name })),
                    ]}
                    hint={
                      <>
                        The terms partners republish this story under: who may use it, when, and with what credit.{' '}
                        {props.canViewLicenses ? <a href="/newsroom/license-profiles">See the profiles</a> : 'Ask an editor about the profiles.'}
                      </>
                    }
                  />
                  <TextField
                    name="embargoAt"
                    label="Embargo until"
                    type="datetime-local"
                    value={values.embargoAt}
                    errors={errors}
                    data={values.embargoUtc ? { utc: values.embargoUtc, 'iso-field': 'embargoAtIso' } : { 'iso-field': 'embargoAtIso' }}
                    hint={
                      <>
                        Partners may hold the story before this time but not publish it. Leave blank for no embargo. <TzHint what="This time" />
                      </>
                    }
                  />
                  <input type="hidden" name="embargoAtIso" value="" />
                </>
              ) : (
                <RightsReadOnly values={values} profiles={props.licenseProfiles} defaultProfile={props.defaultLicenseProfile} />
              )}
            </fieldset>

            {story && !props.canPublish && !withdrawn && (
              <p class="notice">Save your draft; an editor publishes it when it is ready.</p>
            )}
          </fieldset>
        </form>

        <div class="editor-side">
          {story && props.canPublish && !withdrawn && <PublishingPanel story={story} values={values} errors={errors} canCorrect={props.canCorrect} />}
        <aside class="editor-preview" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <p class="hint" data-preview-hint="">
            {story ? 'The last saved body.' : 'Save the draft to see the preview.'} With JavaScript on, it follows your typing.
          </p>
          <div id="preview-body" class="prose preview-body" aria-live="off">
            <RawHtml html={props.previewHtml} />
          </div>
          {props.notes.length > 0 && (
            <div class="notes">
              <h3>Public notes</h3>
              <ul>
                {props.notes.map((n) => (
                  <li>
                    <span class={`badge badge-note-${n.kind}`}>{n.kind === 'correction' ? 'Correction' : 'Update'}</span> <Time iso={n.createdAt} /> — {n.text}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </aside>
        </div>
      </div>

      {story && props.canWithdraw && !withdrawn && (
        <section class="danger-zone card" aria-labelledby="withdraw-title">
          <h2 id="withdraw-title">Withdraw this story</h2>
          <p>
            Withdrawal (a “kill”) takes the story down: its page answers “gone”, it leaves feeds, search and sitemaps, and partners are told
            to take it down too. It cannot be undone.
          </p>
          <form method="post" action={`/newsroom/stories/${story.id}/withdraw`} class="stack">
            <CsrfField token={props.csrf} />
            <TextArea name="withdrawReason" label="Reason for withdrawal" value="" errors={errors} rows={2} maxLength={2000} required hint="Shown to partners and on the story's page." />
            <div>
              <button type="submit" class="btn btn-danger">
                Withdraw…
              </button>
            </div>
          </form>
        </section>
      )}
    </>
  );
}

export function WithdrawConfirmPage({ story, reason, csrf }: { story: Story; reason: string; csrf: string }) {
  return (
    <div class="confirm card">
      <h1>Withdraw “{story.headline}”?</h1>
      <p>
        {story.status === 'published'
          ? 'Readers will see that the story was withdrawn, it leaves feeds, search and sitemaps, and every partner is told to take it down.'
          : 'The story will never be published and can no longer be edited.'}{' '}
        This cannot be undone.
      </p>
      <dl class="kv">
        <dt>Reason</dt>
        <dd>{reason}</dd>
      </dl>
      <form method="post" action={`/newsroom/stories/${story.id}/withdraw`} class="button-row">
        <CsrfField token={csrf} />
        <input type="hidden" name="withdrawReason" value={reason} />
        <input type="hidden" name="confirm" value="yes" />
        <button type="submit" class="btn btn-danger">
          Yes, withdraw it
        </button>
        <a class="btn btn-secondary" href={`/newsroom/stories/${story.id}`}>
          Cancel
        </a>
      </form>
    </div>
  );
}
