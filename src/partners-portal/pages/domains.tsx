/**
 * The partner's domains: its website's domain (from the application, fixed) and the extra
 * domains where it also publishes our stories. Pages elsewhere are not recorded by the pixel.
 */
import { ErrorSummary, TextArea, type Errors } from '../../newsroom/pages/components.js';
import { MAX_EXTRA_DOMAINS } from '../../partners/domains.js';
import { PortalCsrfField } from '../../views/portal-layout.js';
import { PageHead } from './parts.js';

export interface DomainsPageProps {
  csrf: string;
  website: string;
  domain: string;
  extraDomains: string[];
  /** What was typed, when the form comes back with errors. */
  value?: string;
  message?: string | undefined;
  errors?: Errors | undefined;
}

export function DomainsPage(p: DomainsPageProps) {
  return (
    <>
      <PageHead
        title="Your domains"
        lede="Where you publish our stories. Your usage lists pages only on these domains and their subdomains; views on other sites still count, without the page."
      />
      <section class="pp-card" aria-labelledby="main-domain-title">
        <h2 id="main-domain-title">Your website</h2>
        <p>
          <code>{p.domain}</code> and every subdomain of it (from your application’s website, {p.website}). To change it, write to the newsroom.
        </p>
      </section>
      <section class="pp-card" aria-labelledby="extra-domains-title">
        <h2 id="extra-domains-title">Other domains</h2>
        {p.extraDomains.length === 0 ? (
          <p class="pp-empty">None listed.</p>
        ) : (
          <ul class="pp-plain-list">
            {p.extraDomains.map((d) => (
              <li>
                <code>{d}</code>
              </li>
            ))}
          </ul>
        )}
        <ErrorSummary message={p.message} errors={p.errors} labels={{ domains: 'Other domains' }} />
        <form method="post" action="/partners/domains">
          <PortalCsrfField token={p.csrf} />
          <TextArea
            name="domains"
            label="Other domains"
            value={p.value ?? p.extraDomains.join('\n')}
            rows={5}
            maxLength={6000}
            errors={p.errors}
            hint={`One per line, e.g. edition.example.org (subdomains are included). At most ${MAX_EXTRA_DOMAINS}. Leave empty for none.`}
          />
          <button type="submit" class="pp-btn pp-btn-primary">
            Save domains
          </button>
        </form>
      </section>
    </>
  );
}
