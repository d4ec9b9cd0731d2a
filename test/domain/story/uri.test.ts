import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRfc3986Uri, publishableUrl } from '../../../shared/domain/story/uri';

describe('isRfc3986Uri: the URI rule of RFC 3986 appendix A', () => {
  it.each([
    ['a bare http URL', 'https://example.org'],
    ['a path', 'http://example.org/a/b/'],
    ['userinfo, a port, parameters, a query and a fragment', 'https://user:pa%20ss@example.org:8080/a/b;c=d?x=1&y=%2F#frag/?'],
    ['every sub-delim and pchar', "https://example.org/!$&'()*+,;=:@-._~?/?#/?"],
    ['percent-encoded UTF-8', 'https://example.org/%E4%B8%AD?q=%c3%a4'],
    ['an IPv4 host', 'http://192.0.2.1/'],
    ['an IPv6 host', 'http://[2001:db8::1]/'],
    ['an IPv6 host with an IPv4 tail', 'http://[::ffff:192.0.2.1]:80/'],
    ['a full IPv6 host', 'http://[2001:db8:0:0:0:0:2:1]/'],
    ['an IPvFuture host', 'http://[v7.abc:def]/'],
    ['an empty port', 'http://example.org:/'],
    ['a tag URI', 'tag:newsroom.example,2026:story/x/update/01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['a URN', 'urn:isbn:0451450523'],
    ['mailto', 'mailto:desk@example.org'],
    ['an empty authority', 'file:///etc/hosts'],
    ['a scheme alone', 'a:'],
  ])('accepts %s', (_, uri) => {
    expect(isRfc3986Uri(uri)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['no scheme', 'example.org/x'],
    ['a relative reference', '//example.org/x'],
    ['a scheme that starts with a digit', '1http://example.org/'],
    ['a space', 'https://example.org/a b'],
    ['< and >', 'https://example.org/<x>'],
    ['] in a query', 'https://news.example.org/x?a=1&c=]]%3E'],
    ['[ in a path', 'https://example.org/a[1]'],
    ['{ } | ^ and a backquote', 'https://example.org/?q={x}|y^`'],
    ['a backslash', 'https://example.org/a\\b'],
    ['a double quote', 'https://example.org/"x"'],
    ['% without two hex digits', 'https://example.org/100%'],
    ['% with one hex digit', 'https://example.org/%4'],
    ['a bad percent-encoding', 'https://example.org/%zz'],
    ['two fragments', 'https://example.org/#a#b'],
    ['non-ASCII', 'https://example.org/é'],
    ['a control character', 'https://example.org/\u0007'],
    ['two :: in an IPv6 host', 'http://[2001:db8::1::2]/'],
    ['nine IPv6 groups', 'http://[1:2:3:4:5:6:7:8:9]/'],
    ['a five-digit IPv6 group', 'http://[12345::]/'],
    ['an unclosed IP literal', 'http://[::1/'],
    ['{ } in a host', 'http://exa{mple}.org/'],
    ['a non-digit port', 'http://example.org:80a/'],
  ])('refuses %s', (_, uri) => {
    expect(isRfc3986Uri(uri)).toBe(false);
  });
});

describe('publishableUrl: what an http(s) URL is stored and published as', () => {
  it.each([
    ['< > and ]]> in a query', 'https://news.example.org/x?a=1&b=<2>&c=]]>', 'https://news.example.org/x?a=1&b=%3C2%3E&c=%5D%5D%3E'],
    [
      'case, the default port, spaces and non-ASCII',
      'HTTPS://Example.ORG:443/a b/ü?q=ä ö#frag ment',
      'https://example.org/a%20b/%C3%BC?q=%C3%A4%20%C3%B6#frag%20ment',
    ],
    ['an internationalized domain name', 'https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['a lone %', 'https://example.org/100%?p=5%', 'https://example.org/100%25?p=5%25'],
    ['{ } | ^ and a backquote', 'https://example.org/?q={x}|y^`', 'https://example.org/?q=%7Bx%7D%7Cy%5E%60'],
    ['a second #', 'https://example.org/#a#b', 'https://example.org/#a%23b'],
    ['a backslash in the path (WHATWG reads it as a slash) and in the query', 'https://example.org/a\\b?c\\d', 'https://example.org/a/b?c%5Cd'],
    ['no path', 'https://example.org', 'https://example.org/'],
    ['an IPv6 host', 'http://[2001:DB8::1]:8080/x', 'http://[2001:db8::1]:8080/x'],
  ])('normalizes %s', (_, input, stored) => {
    expect(publishableUrl(input)).toEqual({ ok: true, url: stored });
    expect(isRfc3986Uri(stored)).toBe(true);
  });

  it('keeps a URL that is already a normalized RFC 3986 URI as it is', () => {
    for (const url of ['https://www.bbc.co.uk/news/10000000?x=1&y=%2F#top', "https://example.org/a;b=c/d:e@f!$&'()*+,=?/?#~"]) {
      expect(publishableUrl(url)).toEqual({ ok: true, url });
    }
  });

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['ftp:', 'ftp://example.org/x'],
    ['a relative URL', '/kyrgyzstan'],
    ['no host', 'http://'],
    ['a space in the host', 'https://ex ample.org/'],
    ['a host no reg-name can hold', 'https://exa{mple}.org/'],
    ['a host with a backquote', 'https://exa`mple.org/'],
  ])('refuses %s', (_, input) => {
    expect(publishableUrl(input).ok).toBe(false);
  });

  it('anything it accepts is an RFC 3986 URI, and normalizing again changes nothing', () => {
    const input = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(fc.webUrl(), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary-ascii', maxLength: 20 }))
        .map(([u, a, b]) => `${u}/${a}?${b}#${b}${a}`),
      fc.string({ maxLength: 40 }).map((s) => `https://${s}`),
    );
    fc.assert(
      fc.property(input, (url) => {
        const checked = publishableUrl(url);
        if (!checked.ok) return;
        expect(isRfc3986Uri(checked.url), checked.url).toBe(true);
        expect(publishableUrl(checked.url)).toEqual(checked);
      }),
      { numRuns: 500 },
    );
  });
});
