import type { AuditEntry } from '../../audit/audit.js';
import { PageHeader, Time } from './components.js';

function targetHref(e: AuditEntry): string | undefined {
  if (!e.targetId) return undefined;
  switch (e.targetType) {
    case 'story':
      return `/newsroom/stories/${e.targetId}`;
    case 'author':
      return `/newsroom/authors/${e.targetId}`;
    case 'desk':
      return `/newsroom/desks/${e.targetId}`;
    case 'user':
      return `/newsroom/users/${e.targetId}`;
    default:
      return undefined;
  }
}

function detailsText(details: Record<string, unknown>): string {
  const parts = Object.entries(details).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const s = parts.join(' · ');
  return s.length > 300 ? `${s.slice(0, 299)}…` : s;
}

export interface AuditPageProps {
  entries: AuditEntry[];
  /** Cursor for the next (older) page, when there is one. */
  olderCursor: string | undefined;
  isFirstPage: boolean;
}

export function AuditPage({ entries, olderCursor, isFirstPage }: AuditPageProps) {
  return (
    <>
      <PageHeader title="Audit log" />
      <p class="hint">Every privileged action, newest first. Entries cannot be edited or deleted from here.</p>
      {entries.length === 0 ? (
        <div class="empty card">
          <p>No entries.</p>
        </div>
      ) : (
        <div class="table-wrap">
          <table class="table audit-table">
            <caption class="visually-hidden">Audit log entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => {
                const href = targetHref(e);
                return (
                  <tr>
                    <td class="nowrap">
                      <Time iso={e.createdAt} />
                    </td>
                    <td>{e.actorLabel}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.targetType ? (
                        href ? (
                          <a href={href}>{e.targetType}</a>
                        ) : (
                          e.targetType
                        )
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td class="cell-details">{detailsText(e.details)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pagination" aria-label="Pages">
        {!isFirstPage ? <a href="/newsroom/audit">← Newest</a> : <span />}
        {olderCursor ? (
          <a href={`/newsroom/audit?before=${encodeURIComponent(olderCursor)}`} rel="next">
            Older →
          </a>
        ) : (
          <span class="muted">End of the log</span>
        )}
      </nav>
    </>
  );
}
