/**
 * Form and table pieces shared by the newsroom pages. Every field has a visible label; hints
 * and errors are tied to the input with aria-describedby so screen readers announce them.
 */
import type { ComponentChildren } from 'preact';
import type { FieldErrors } from '../../errors.js';
import type { StoryStatus } from '../../db/schema.js';

export type Errors = FieldErrors;

export function fieldId(name: string): string {
  return `f-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

function describedBy(name: string, hint: unknown, errors: string[] | undefined): string | undefined {
  const ids: string[] = [];
  if (errors && errors.length > 0) ids.push(`${fieldId(name)}-error`);
  if (hint) ids.push(`${fieldId(name)}-hint`);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

function FieldMessages({ name, hint, errors }: { name: string; hint?: ComponentChildren; errors: string[] | undefined }) {
  return (
    <>
      {hint && (
        <p class="hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </p>
      )}
      {errors && errors.length > 0 && (
        <p class="field-error" id={`${fieldId(name)}-error`}>
          <span class="visually-hidden">Error: </span>
          {errors.join('; ')}
        </p>
      )}
    </>
  );
}

interface BaseFieldProps {
  name: string;
  label: string;
  errors?: Errors;
  hint?: ComponentChildren;
  required?: boolean;
  /** Error keys from the service that belong to this field when they differ from `name`. */
  errorKey?: string;
  class?: string;
  /** Associates a control placed outside its form (the editor's side panel). */
  form?: string;
}

function errorsFor(props: BaseFieldProps): string[] | undefined {
  return props.errors?.[props.errorKey ?? props.name];
}

export function TextField(
  props: BaseFieldProps & {
    value: string;
    type?: 'text' | 'email' | 'password' | 'url' | 'datetime-local' | 'search' | 'number';
    autocomplete?: string;
    readOnly?: boolean;
    maxLength?: number;
    inputClass?: string;
    data?: Record<string, string>;
  },
) {
  const errs = errorsFor(props);
  const dataAttrs = Object.fromEntries(Object.entries(props.data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <div class={`field ${props.class ?? ''} ${errs ? 'field-invalid' : ''}`}>
      <label for={fieldId(props.name)}>
        {props.label}
        {props.required && <span class="req"> (required)</span>}
      </label>
      <FieldMessages name={props.name} hint={props.hint} errors={errs} />
      <input
        id={fieldId(props.name)}
        name={props.name}
        form={props.form}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        readOnly={props.readOnly}
        maxLength={props.maxLength}
        autocomplete={props.autocomplete}
        class={props.inputClass}
        aria-invalid={errs ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, errs)}
        {...dataAttrs}
      />
    </div>
  );
}

export function TextArea(props: BaseFieldProps & { value: string; rows?: number; maxLength?: number; inputClass?: string }) {
  const errs = errorsFor(props);
  return (
    <div class={`field ${props.class ?? ''} ${errs ? 'field-invalid' : ''}`}>
      <label for={fieldId(props.name)}>
        {props.label}
        {props.required && <span class="req"> (required)</span>}
      </label>
      <FieldMessages name={props.name} hint={props.hint} errors={errs} />
      <textarea
        id={fieldId(props.name)}
        name={props.name}
        form={props.form}
        rows={props.rows ?? 3}
        required={props.required}
        maxLength={props.maxLength}
        class={props.inputClass}
        aria-invalid={errs ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, errs)}
      >
        {props.value}
      </textarea>
    </div>
  );
}

export function Select(props: BaseFieldProps & { value: string; options: Array<{ value: string; label: string }> }) {
  const errs = errorsFor(props);
  return (
    <div class={`field ${props.class ?? ''} ${errs ? 'field-invalid' : ''}`}>
      <label for={fieldId(props.name)}>
        {props.label}
        {props.required && <span class="req"> (required)</span>}
      </label>
      <FieldMessages name={props.name} hint={props.hint} errors={errs} />
      <select
        id={fieldId(props.name)}
        name={props.name}
        form={props.form}
        required={props.required}
        aria-invalid={errs ? 'true' : undefined}
        aria-describedby={describedBy(props.name, props.hint, errs)}
      >
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === props.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A group of checkboxes or radios in a fieldset, errors on the legend's group. */
export function ChoiceGroup(
  props: BaseFieldProps & { type: 'checkbox' | 'radio'; values: string[]; options: Array<{ value: string; label: string; hint?: string }> },
) {
  const errs = errorsFor(props);
  return (
    <fieldset
      class={`field choice-group ${props.class ?? ''} ${errs ? 'field-invalid' : ''}`}
      id={fieldId(props.name)}
      aria-describedby={describedBy(props.name, props.hint, errs)}
      tabIndex={-1}
    >
      <legend>
        {props.label}
        {props.required && <span class="req"> (required)</span>}
      </legend>
      <FieldMessages name={props.name} hint={props.hint} errors={errs} />
      <div class="choices">
        {props.options.map((o, i) => (
          <label class="choice" for={`${fieldId(props.name)}-${i}`}>
            <input type={props.type} id={`${fieldId(props.name)}-${i}`} name={props.name} value={o.value} checked={props.values.includes(o.value)} />
            <span>
              {o.label}
              {o.hint && <span class="choice-hint"> {o.hint}</span>}
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/**
 * The summary at the top of a form that failed: a heading, the message, and a link to each
 * field in error. It receives focus-worthy role=alert so it is announced on arrival.
 */
export function ErrorSummary({ message, errors, labels }: { message?: string | undefined; errors?: Errors | undefined; labels?: Record<string, string> }) {
  const entries = Object.entries(errors ?? {});
  if (!message && entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1}>
      <h2 id="error-summary-title">There is a problem</h2>
      {message && <p>{message}</p>}
      {entries.length > 0 && (
        <ul>
          {entries.map(([field, msgs]) => (
            <li>
              <a href={`#${fieldId(field)}`}>
                {labels?.[field] ?? field} {msgs.join('; ')}
              </a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const STATUS_LABELS: Record<StoryStatus, string> = {
  draft: 'Draft',
  scheduled: 'Scheduled',
  published: 'Published',
  withdrawn: 'Withdrawn',
};

export function StatusBadge({ status }: { status: StoryStatus }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABELS[status]}</span>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "27 Nov 2026, 21:58 UTC": the server does not know the reader's zone (newsroom-ui.js localises it). */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time datetime={iso} data-local="">
      {formatUtc(iso)}
    </time>
  );
}

/** "2026-11-27T21:58" in UTC, the value format of <input type="datetime-local">. */
export function toDateTimeLocalUtc(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().slice(0, 16);
}

export function Pagination({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  if (pages <= 1) return null;
  return (
    <nav class="pagination" aria-label="Pages">
      {page > 1 ? (
        <a href={href(page - 1)} rel="prev">
          ← Newer
        </a>
      ) : (
        <span class="muted" aria-hidden="true">
          ← Newer
        </span>
      )}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <a href={href(page + 1)} rel="next">
          Older →
        </a>
      ) : (
        <span class="muted" aria-hidden="true">
          Older →
        </span>
      )}
    </nav>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="page-header">
      <h1>{title}</h1>
      {children && <div class="page-actions">{children}</div>}
    </div>
  );
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
