/**
 * WebSub discovery (W3C WebSub §4): every feed names its hub (rel="hub") and its own canonical
 * URL (rel="self"), in the document and in an HTTP Link header. The header wins over the
 * document for subscribers (§4), so both always say the same thing.
 */

/** The hub's address: `${publicUrl}/websub`. */
export function hubUrlOf(publicUrl: string): string {
  return `${publicUrl}/websub`;
}

/** `Link: <hub>; rel="hub", <self>; rel="self"` (RFC 8288). */
export function websubLinkHeader(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}
