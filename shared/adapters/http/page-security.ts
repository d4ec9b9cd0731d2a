/**
 * What every page says to the browser: a strict Content-Security-Policy (scripts and styles from
 * this origin only, no inline script or style, no framing, no plugins, no other origin reached),
 * no MIME sniffing, a referrer policy, no framing, a browsing context of its own. The page
 * representations carry these from the start (conditional.ts), as they carry the CORS headers:
 * Hono's secure-headers middleware set them after the handler at a measured tenth of the page
 * throughput (npm run bench). CloudFront's response headers policy sends the same CSP
 * (infra/constructs/cdn.ts; the stack test holds them equal).
 */
const CSP: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const PAGE_CSP = Object.entries(CSP)
  .map(([directive, values]) => `${directive} ${values.join(' ')}`)
  .join('; ');

export const PAGE_REFERRER_POLICY = 'strict-origin-when-cross-origin';

export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PAGE_CSP,
  'Referrer-Policy': PAGE_REFERRER_POLICY,
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
