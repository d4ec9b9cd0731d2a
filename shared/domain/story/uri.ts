/**
 * Links that a feed can publish. Editors paste URLs as browsers show them; feeds need RFC 3986
 * URIs (the W3C feed validator's "Invalid character in a URI"). An accepted URL is stored as its
 * WHATWG serialization (`new URL(x).href`, which percent-encodes spaces, quotes, `<`, `>` and
 * non-ASCII), with the few characters WHATWG leaves raw for compatibility but RFC 3986 forbids
 * outside the authority (`[ ] { } | \ ^` and a backquote in a query, a `%` not followed by two hex
 * digits, a second `#`) percent-encoded as well. What is still not an RFC 3986 URI after that (a
 * host with characters a reg-name cannot hold) is refused.
 */

// RFC 3986 §2 and appendix A, built up rule by rule.
const UNRESERVED = 'A-Za-z0-9\\-._~';
const SUB_DELIMS = "!$&'()*+,;=";
const PCT_ENCODED = '%[0-9A-Fa-f]{2}';
const PCHAR = `(?:[${UNRESERVED}${SUB_DELIMS}:@]|${PCT_ENCODED})`;
const SEGMENT = `${PCHAR}*`;
const SEGMENT_NZ = `${PCHAR}+`;
const SCHEME = '[A-Za-z][A-Za-z0-9+\\-.]*';
const USERINFO = `(?:[${UNRESERVED}${SUB_DELIMS}:]|${PCT_ENCODED})*`;
const DEC_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${DEC_OCTET}(?:\\.${DEC_OCTET}){3}`;
const H16 = '[0-9A-Fa-f]{1,4}';
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `(?:${H16})?::(?:${H16}:){4}${LS32}`,
  `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
  `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
  `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
  `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
  `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
  `(?:(?:${H16}:){0,6}${H16})?::`,
].join('|');
const IPVFUTURE = `v[0-9A-Fa-f]+\\.[${UNRESERVED}${SUB_DELIMS}:]+`;
const IP_LITERAL = `\\[(?:${IPV6}|${IPVFUTURE})\\]`;
const REG_NAME = `(?:[${UNRESERVED}${SUB_DELIMS}]|${PCT_ENCODED})*`;
const HOST = `(?:${IP_LITERAL}|${IPV4}|${REG_NAME})`;
const AUTHORITY = `(?:${USERINFO}@)?${HOST}(?::[0-9]*)?`;
const PATH_ABEMPTY = `(?:/${SEGMENT})*`;
const PATH_ABSOLUTE = `/(?:${SEGMENT_NZ}(?:/${SEGMENT})*)?`;
const PATH_ROOTLESS = `${SEGMENT_NZ}(?:/${SEGMENT})*`;
const HIER_PART = `(?://${AUTHORITY}${PATH_ABEMPTY}|${PATH_ABSOLUTE}|${PATH_ROOTLESS}|)`;
const QUERY_OR_FRAGMENT = `(?:${PCHAR}|[/?])*`;
const URI = new RegExp(`^${SCHEME}:${HIER_PART}(?:\\?${QUERY_OR_FRAGMENT})?(?:#${QUERY_OR_FRAGMENT})?$`);

/** True when `text` is a URI by RFC 3986's grammar (`URI`: a scheme, no relative references). */
export function isRfc3986Uri(text: string): boolean {
  return URI.test(text);
}

/** What a path, query or fragment may hold besides percent-encodings (RFC 3986 `pchar`, `/`, `?`). */
const ALLOWED_AFTER_AUTHORITY = new RegExp(`^[${UNRESERVED}${SUB_DELIMS}:@/?]$`);

/** Percent-encodes what RFC 3986 does not allow in a path, query or fragment; the first `#` starts the fragment. */
function encodeAfterAuthority(rest: string): string {
  let out = '';
  let fragment = false;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(rest.slice(i + 1, i + 3))) out += ch;
    else if (ch === '#' && !fragment) {
      fragment = true;
      out += ch;
    } else if (ALLOWED_AFTER_AUTHORITY.test(ch)) out += ch;
    // A WHATWG href is ASCII: each character left is one byte.
    else out += `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** An absolute http(s) URL as it is stored and published, or why it cannot be. */
export function publishableUrl(input: string): UrlCheck {
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    return { ok: false, reason: 'must be an absolute http(s) URL' };
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
    return { ok: false, reason: 'must be an absolute http(s) URL' };
  }
  // For http(s) the path always starts with `/`, and neither the (encoded) userinfo nor the host holds one.
  const href = parsed.href;
  const pathStart = href.indexOf('/', parsed.protocol.length + 2);
  const url = href.slice(0, pathStart) + encodeAfterAuthority(href.slice(pathStart));
  if (!isRfc3986Uri(url)) return { ok: false, reason: 'is not a valid URI (RFC 3986), even percent-encoded: check the host name' };
  return { ok: true, url };
}
