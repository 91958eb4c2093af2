import type { Desk } from '../../desks/desks.service.js';
import { CsrfField } from '../../views/newsroom-layout.js';
import { ErrorSummary, PageHeader, TextArea, TextField, type Errors } from './components.js';

export interface DeskFormValues {
  name: string;
  slug: string;
  description: string;
}

export const DESK_LABELS: Record<string, string> = { name: 'Name', slug: 'Slug', description: 'Description' };

export interface DesksPageProps {
  desks: Desk[];
  values: DeskFormValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  csrf: string;
}

export function DesksPage({ desks, values, errors, message, csrf }: DesksPageProps) {
  return (
    <>
      <PageHeader title="Desks" />
      <div class="two-col">
        <div>
          {desks.length === 0 ? (
            <div class="empty card">
              <p>No desks yet. Every story belongs to a desk (a section of the site).</p>
            </div>
          ) : (
            <div class="table-wrap">
              <table class="table">
                <caption class="visually-hidden">Desks, in site order</caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Slug</th>
                    <th scope="col">Description</th>
                  </tr>
                </thead>
                <tbody>
                  {desks.map((d) => (
                    <tr>
                      <td>
                        <a href={`/newsroom/desks/${d.id}`}>{d.name}</a>
                      </td>
                      <td>
                        <code>{d.slug}</code>
                      </td>
                      <td>{d.description || <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
        <form method="post" action="/newsroom/desks" class="card stack" aria-labelledby="new-desk-title" novalidate>
          <h2 id="new-desk-title">New desk</h2>
          <ErrorSummary message={message} errors={errors} labels={DESK_LABELS} />
          <CsrfField token={csrf} />
          <TextField name="name" label="Name" value={values.name} errors={errors} required maxLength={80} />
          <TextField name="slug" label="Slug" value={values.slug} errors={errors} maxLength={60} hint="Used in the desk's address and feeds. Leave blank to make one from the name." />
          <TextArea name="description" label="Description" value={values.description} errors={errors} rows={3} maxLength={500} />
          <div>
            <button type="submit" class="btn btn-primary">
              Create desk
            </button>
          </div>
        </form>
      </div>
    </>
  );
}

export interface DeskEditPageProps {
  desk: Desk;
  values: DeskFormValues;
  errors?: Errors | undefined;
  message?: string | undefined;
  csrf: string;
}

export function DeskEditPage({ desk, values, errors, message, csrf }: DeskEditPageProps) {
  return (
    <>
      <div class="page-header">
        <div>
          <p class="breadcrumbs">
            <a href="/newsroom/desks">Desks</a> /
          </p>
          <h1>{desk.name}</h1>
        </div>
      </div>
      <form method="post" action={`/newsroom/desks/${desk.id}`} class="card stack narrow" novalidate>
        <ErrorSummary message={message} errors={errors} labels={DESK_LABELS} />
        <CsrfField token={csrf} />
        <TextField name="name" label="Name" value={values.name} errors={errors} required maxLength={80} />
        <div class="field">
          <span class="label">Slug</span>
          <p>
            <code>{desk.slug}</code> <span class="hint">(cannot change: feeds and links use it)</span>
          </p>
        </div>
        <TextArea name="description" label="Description" value={values.description} errors={errors} rows={3} maxLength={500} />
        <div class="button-row">
          <button type="submit" class="btn btn-primary">
            Save desk
          </button>
          <a href="/newsroom/desks">Cancel</a>
        </div>
      </form>
    </>
  );
}
