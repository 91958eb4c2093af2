/** Small pieces shared by the portal pages. */
import type { ComponentChildren } from 'preact';
import type { PartnerStatus } from '../../db/schema.js';
import { formatUtc } from '../../newsroom/pages/components.js';
import { statusNotice } from '../auth.js';

/** A UTC time with a machine-readable datetime (the server does not know the reader's zone). */
export function LocalTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span class="pp-muted">—</span>;
  return <time datetime={iso}>{formatUtc(iso)}</time>;
}

const STATUS_LABELS: Record<PartnerStatus, string> = { approved: 'Approved', pending: 'Under review', rejected: 'Not approved', suspended: 'Suspended' };

export function StatusPill({ status }: { status: PartnerStatus }) {
  return <span class={`pp-pill pp-pill-${status}`}>{STATUS_LABELS[status]}</span>;
}

/** The notice a partner without access sees in place of stories, keys and feeds. */
export function StatusNotice({ status, reason }: { status: PartnerStatus; reason?: string | null }) {
  if (status === 'approved') return null;
  return (
    <div class="pp-notice pp-notice-warn" role="status">
      <h2 class="pp-notice-title">{status === 'suspended' ? 'Your partnership is suspended' : status === 'pending' ? 'Your application is under review' : 'Your application was not approved'}</h2>
      <p>{statusNotice(status)}</p>
      {reason && (
        <p>
          <strong>Reason given:</strong> {reason}
        </p>
      )}
    </div>
  );
}

export function PageHead({ title, lede, children }: { title: string; lede?: ComponentChildren; children?: ComponentChildren }) {
  return (
    <div class="pp-pagehead">
      <div>
        <h1>{title}</h1>
        {lede && <p class="pp-lede">{lede}</p>}
      </div>
      {children && <div class="pp-pagehead-actions">{children}</div>}
    </div>
  );
}

/** A read-only text box with a Copy button (public/portal-copy.js; without scripts, select and copy by hand). */
export function CopyBox({ id, label, value, rows, hint }: { id: string; label: string; value: string; rows?: number; hint?: ComponentChildren }) {
  return (
    <div class="pp-copy" data-copy-box="">
      <label for={id} class="pp-copy-label">
        {label}
      </label>
      {hint && (
        <p class="pp-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {rows && rows > 1 ? (
        <textarea id={id} class="pp-copy-input pp-mono" rows={rows} readOnly aria-describedby={hint ? `${id}-hint` : undefined} spellcheck={false}>
          {value}
        </textarea>
      ) : (
        <input id={id} class="pp-copy-input pp-mono" type="text" value={value} readOnly aria-describedby={hint ? `${id}-hint` : undefined} spellcheck={false} />
      )}
      <div class="pp-copy-actions">
        <button type="button" class="pp-btn pp-btn-secondary pp-btn-small" data-copy-target={id} hidden>
          Copy
        </button>
        <span class="pp-copy-status" role="status" aria-live="polite" data-copy-status={id} />
      </div>
    </div>
  );
}
