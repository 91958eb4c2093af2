/** One story's Republish page: the ready snippet to copy, a preview, and the terms that apply. */
import type { PartnerCopy } from '../../syndication/partner-copy.js';
import type { PublicStory } from '../../stories/public.js';
import { RawHtml } from '../../views/raw-html.js';
import { CopyBox, LocalTime, PageHead } from './parts.js';

export interface RepublishPageProps {
  story: PublicStory;
  copy: PartnerCopy;
  terms: string[];
  /** The profile leaves images out of the story body. */
  bodyImagesExcluded: boolean;
  searchEngines: 'canonical' | 'noindex';
}

/** The snippet as a preview: without the pixel, so looking at it here is not counted as a view. */
function previewHtml(copy: PartnerCopy): string {
  return copy.html.replace(/<img class="freewire-pixel"[^>]*>/g, '');
}

export function RepublishPage({ story, copy, terms, bodyImagesExcluded, searchEngines }: RepublishPageProps) {
  const leadExcluded = story.leadImage !== null && !copy.leadImageIncluded;
  return (
    <>
      <a class="pp-back" href="/partners/stories">
        ← All stories
      </a>
      <PageHead
        title={`Republish: ${story.headline}`}
        lede={
          <>
            {story.desk.name} · By {story.authors.map((a) => a.name).join(', ') || 'the newsroom'} · Published <LocalTime iso={story.publishedAt} />
            {story.updatedAt !== story.publishedAt && (
              <>
                {' '}
                · Updated <LocalTime iso={story.updatedAt} />
              </>
            )}
          </>
        }
      >
        <a class="pp-btn pp-btn-secondary" href={copy.canonicalUrl}>
          View the original
        </a>
      </PageHead>

      <div class="pp-republish">
        <div>
          <section class="pp-card" aria-labelledby="snippet-title">
            <h2 id="snippet-title">1. Copy the story</h2>
            <CopyBox
              id="snippet"
              label="HTML to paste into your CMS"
              value={copy.html}
              rows={14}
              hint="Paste it into your editor’s HTML (code) view. Keep the credit line, the link to the original and the 1×1 image at the end: they are part of the terms."
            />
            <details class="pp-details">
              <summary>Plain-text version</summary>
              <CopyBox id="snippet-text" label="Plain text" value={copy.text} rows={10} />
            </details>
          </section>

          <section class="pp-card" aria-labelledby="seo-title">
            <h2 id="seo-title">2. Tell search engines</h2>
            <p>
              {searchEngines === 'canonical'
                ? 'This story asks that search engines be pointed to the original. Add this tag to the <head> of your page:'
                : 'This story asks that your copy stay out of search engines. Add this tag to the <head> of your page:'}
            </p>
            <CopyBox id="seo-tag" label={searchEngines === 'canonical' ? 'Canonical link tag' : 'Robots meta tag'} value={copy.searchEngineAdvice} />
          </section>

          <section class="pp-card" aria-labelledby="preview-title">
            <h2 id="preview-title">Preview</h2>
            <p class="pp-muted pp-small">How the story reads with the snippet as it is (your site’s styles will apply on your page).</p>
            <RawHtml html={previewHtml(copy)} class="pp-preview" />
          </section>
        </div>

        <aside class="pp-card" aria-labelledby="terms-title">
          <h2 id="terms-title">Credit and terms</h2>
          <h3 class="pp-subtitle">Credit line</h3>
          <p class="pp-credit">{copy.creditLine}</p>
          <h3 class="pp-subtitle">Link back</h3>
          <p>
            <a href={copy.canonicalUrl}>{copy.canonicalUrl}</a>
          </p>
          {copy.pixelUrl && (
            <>
              <h3 class="pp-subtitle">Counting readers</h3>
              <p class="pp-muted">
                The snippet ends with a 1×1 image unique to your outlet and this story. It sets no cookies; it tells us how many people read the story on
                your site, and on which page.
              </p>
            </>
          )}
          {(leadExcluded || bodyImagesExcluded) && (
            <>
              <h3 class="pp-subtitle">Images</h3>
              <p class="pp-notice pp-notice-warn">
                {leadExcluded && 'The lead photo is left out: its rights do not allow you to republish it. '}
                {bodyImagesExcluded && 'Images in the story are left out under this story’s terms.'}
              </p>
            </>
          )}
          <h3 class="pp-subtitle">Terms for this story</h3>
          <ul class="pp-terms">
            {terms.map((t) => (
              <li>{t}</li>
            ))}
          </ul>
          {copy.licenseLink && <p class="pp-muted">This story carries a Creative Commons license; the snippet links to it with rel="license".</p>}
        </aside>
      </div>
    </>
  );
}
