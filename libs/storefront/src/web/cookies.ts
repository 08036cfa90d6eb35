/** Cookie names of the pages; under HTTPS they carry the __Host- prefix (Secure, Path=/, no Domain: a club's site on a sibling subdomain cannot set them). */
export const COOKIES = { session: 'allmende_session', visit: 'allmende_visit', language: 'allmende_lang' } as const;

export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

/** The cookies a request carries; a malformed pair is left out rather than failing the request. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index <= 0) continue;
    const name = pair.slice(0, index).trim();
    const raw = pair.slice(index + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!name || name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(raw);
    } catch {
      // a value that is not valid percent-encoding is not one of ours
    }
  }
  return cookies;
}
