/**
 * XML 1.0 allows #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
 * Anything else (C0 controls, lone surrogates, U+FFFE/U+FFFF) cannot be carried by a feed at all,
 * so text holding it is refused at the edge instead of being silently dropped later.
 */
const forbidden = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Returns the first character XML 1.0 forbids, described for an error message, or undefined. */
export function findXmlForbiddenChar(text: string): string | undefined {
  const match = forbidden.exec(text);
  if (!match) return undefined;
  const code = match[0].codePointAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} at position ${match.index}`;
}

/**
 * Characters that show nothing on their own: white space (Unicode White_Space, NEL and NBSP
 * included), format characters (general category Cf: zero-width space and joiners, word joiner,
 * BOM, bidi marks and embeddings, soft hyphen) and the other default-ignorable code points
 * (Hangul fillers, variation selectors, the combining grapheme joiner).
 */
const invisible = /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}]*$/u;

/** True when `text` would print as nothing: empty, or made only of invisible characters. */
export function isBlank(text: string): boolean {
  return invisible.test(text);
}
