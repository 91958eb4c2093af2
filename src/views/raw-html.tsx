/**
 * The one door for trusted HTML. Everything else is escaped by the renderer. Only pass HTML that
 * was sanitised on write (story bodies) or built by our own code (JSON-LD with escaped `<`).
 */
export function RawHtml({ html, as: Tag = 'div', class: className }: { html: string; as?: 'div' | 'section' | 'article' | 'script' | 'span'; class?: string }) {
  return <Tag class={className} dangerouslySetInnerHTML={{ __html: html }} />;
}

/** JSON for a <script type="application/ld+json"> block: `<` escaped so it cannot close the tag. */
export function JsonLd({ data }: { data: unknown }) {
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: json }} />;
}
