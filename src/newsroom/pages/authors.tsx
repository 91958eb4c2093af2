import { LINK_KINDS, type Author, type LinkKind } from '../../authors/authors.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, formatBytes, PageHeader, TextArea, TextField, type Errors } from './components.js';

export interface AuthorFormValues {
  name: string;
  slug: string;
  title: string;
  bio: string;
  tipsContact: string;
  links: Record<LinkKind, string>;
}

export const LINK_LABELS: Record<LinkKind, { label: string; hint: string }> = {
  twitter: { label: 'X / Twitter', hint: 'Handle (@name) or https:// address' },
  bluesky: { label: 'Bluesky', hint: 'Handle (name.bsky.social) or https:// address' },
  mastodon: { label: 'Mastodon', hint: 'Handle (@name@instance.social) or https:// address' },
  website: { label: 'Website', hint: 'Full address starting with https://' },
  email: { label: 'Public email', hint: 'Shown to readers' },
};

export const AUTHOR_LABELS: Record<string, string> = {
  name: 'Name',
  slug: 'Slug',
  title: 'Title or beat',
  bio: 'Bio',
  tipsContact: 'Tips contact',
  photo: 'Photo',
  ...Object.fromEntries(LINK_KINDS.map((k) => [`links.${k}`, LINK_LABELS[k].label])),
};

export function authorValues(a: Author | null): AuthorFormValues {
  return {
    name: a?.name ?? '',
    slug: a?.slug ?? '',
    title: a?.title ?? '',
    bio: a?.bio ?? '',
    tipsContact: a?.tipsContact ?? '',
    links: Object.fromEntries(LINK_KINDS.map((k) => [k, a?.links[k] ?? ''])) as Record<LinkKind, string>,
  };
}

export function AuthorsListPage({ authors }: { authors: Author[] }) {
  return (
    <>
      <PageHeader title="Authors">
        <a class="btn btn-primary" href="/newsroom/authors/new">
          New author
        </a>
      </PageHeader>
      {authors.length === 0 ? (
        <div class="empty card">
          <p>No authors yet. Stories need at least one byline.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table">
            <caption class="visually-hidden">Authors</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Title or beat</th>
                <th scope="col">Slug</th>
                <th scope="col">Links</th>
              </tr>
            </thead>
            <tbody>
              {authors.map((a) => (
                <tr>
                  <td class="cell-with-photo">
                    {a.photoMediaId ? <img class="avatar" src={`/media/${a.photoMediaId}`} alt="" width={32} height={32} /> : <span class="avatar avatar-empty" aria-hidden="true"></span>}
                    <a href={`/newsroom/authors/${a.id}`}>{a.name}</a>
                  </td>
                  <td>{a.title}</td>
                  <td>
                    <code>{a.slug}</code>
                  </td>
                  <td>{LINK_KINDS.filter((k) => a.links[k]).map((k) => LINK_LABELS[k].label).join(', ') || <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

export interface AuthorFormPageProps {
  author: Author | null;
  values: AuthorFormValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  photoErrors?: Errors | undefined;
  photoMessage?: string | undefined;
  csrf: string;
  maxUploadBytes: number;
}

export function AuthorFormPage({ author, values, errors, message, photoErrors, photoMessage, csrf, maxUploadBytes }: AuthorFormPageProps) {
  const isNew = author === null;
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/authors">Authors</a> /
          </p>
          <h1>{isNew ? 'New author' : author.name}</h1>
        </div>
      </div>
      <div class="two-col">
        <form method="post" action={isNew ? '/newsroom/authors' : `/newsroom/authors/${author.id}`} class="card stack" novalidate>
          <ErrorSummary message={message} errors={errors} labels={AUTHOR_LABELS} />
          <CsrfField token={csrf} />
          <TextField name="name" label="Name" value={values.name} errors={errors} required maxLength={120} autocomplete="off" />
          {isNew ? (
            <TextField name="slug" label="Slug" value={values.slug} errors={errors} maxLength={80} hint="Used in the author's page address. Leave blank to make one from the name. It cannot change later." />
          ) : (
            <div class="field">
              <span class="label">Slug</span>
              <p>
                <code>{author.slug}</code> <span class="hint">(cannot change)</span>
              </p>
            </div>
          )}
          <TextField name="title" label="Title or beat" value={values.title} errors={errors} required maxLength={120} hint="e.g. Asia Pacific Reporter" />
          <TextArea name="bio" label="Bio" value={values.bio} errors={errors} rows={4} maxLength={2000} />
          <fieldset class="panel">
            <legend>Profiles readers can follow</legend>
            {LINK_KINDS.map((k) => (
              <TextField
                name={`links.${k}`}
                label={LINK_LABELS[k].label}
                type={k === 'email' ? 'email' : k === 'website' ? 'url' : 'text'}
                value={values.links[k]}
                errors={errors}
                hint={LINK_LABELS[k].hint}
                maxLength={500}
              />
            ))}
          </fieldset>
          <TextField name="tipsContact" label="Tips contact" value={values.tipsContact} errors={errors} maxLength={300} hint="How sources reach this author, e.g. a Signal number or a secure email." />
          <div class="button-row">
            <button type="submit" class="btn btn-primary">
              {isNew ? 'Create author' : 'Save author'}
            </button>
            <a href="/newsroom/authors">Cancel</a>
          </div>
        </form>
        {author && (
          <section class="card stack" aria-labelledby="photo-title">
            <h2 id="photo-title">Photo</h2>
            {author.photoMediaId ? (
              <img class="photo-preview" src={`/media/${author.photoMediaId}`} alt={`Current photo of ${author.name}`} />
            ) : (
              <p class="muted">No photo yet.</p>
            )}
            <form method="post" action={`/newsroom/authors/${author.id}/photo`} enctype="multipart/form-data" class="stack">
              <ErrorSummary message={photoMessage} errors={photoErrors} labels={AUTHOR_LABELS} />
              <CsrfField token={csrf} />
              <div class={`field ${photoErrors?.photo ? 'field-invalid' : ''}`}>
                <label for="f-photo">Upload a photo</label>
                <p class="hint" id="f-photo-hint">
                  PNG, JPEG, GIF or WebP, up to {formatBytes(maxUploadBytes)}. A square image works best.
                </p>
                {photoErrors?.photo && (
                  <p class="field-error" id="f-photo-error">
                    {photoErrors.photo.join('; ')}
                  </p>
                )}
                <input
                  id="f-photo"
                  type="file"
                  name="photo"
                  accept="image/png,image/jpeg,image/gif,image/webp"
                  aria-describedby={photoErrors?.photo ? 'f-photo-error f-photo-hint' : 'f-photo-hint'}
                  aria-invalid={photoErrors?.photo ? 'true' : undefined}
                />
              </div>
              <div>
                <button type="submit" class="btn btn-secondary">
                  Upload photo
                </button>
              </div>
            </form>
            {author.photoMediaId && (
              <form method="post" action={`/newsroom/authors/${author.id}/photo/remove`}>
                <CsrfField token={csrf} />
                <button type="submit" class="btn btn-ghost-dark">
                  Remove photo
                </button>
              </form>
            )}
          </section>
        )}
      </div>
    </>
  );
}
