/**
 * What every HTML answer says to the browser (Hono's secure-headers middleware): a strict
 * Content-Security-Policy (scripts and styles from this origin only, no inline script or style,
 * no framing, no plugins, no other origin reached), no MIME sniffing, a referrer policy, no framing.
 * CloudFront's response headers policy sends the same CSP (infra/constructs/cdn.ts; the stack test holds them equal).
 */
import { secureHeaders } from 'hono/secure-headers';

const CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The policy as sent: Hono's serialization of CSP above. */
export const PAGE_CSP = Object.entries(CSP)
  .map(([directive, values]) => `${directive.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
  .join('; ');

export const PAGE_REFERRER_POLICY = 'strict-origin-when-cross-origin';

export const pageSecurity = secureHeaders({
  contentSecurityPolicy: CSP,
  referrerPolicy: PAGE_REFERRER_POLICY,
  xFrameOptions: 'DENY',
});
