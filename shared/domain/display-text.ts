/**
 * Editor text shown inside text we compose (feed titles, page lines): cut by user-perceived
 * character and kept from reordering what follows it.
 *
 * A cut by code point can split a grapheme cluster (a family emoji, a flag, a letter and its
 * combining mark) and leave half a character; a cut, or any text, can leave a bidi embedding,
 * override or isolate open, and an open one reorders everything after it on the line (the rest of
 * a title, the next column of a reader's list).
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** LRE RLE LRO RLO close with PDF; LRI RLI FSI close with PDI. */
const EMBEDDING_OPENERS = new Set(['\u202A', '\u202B', '\u202D', '\u202E']);
const ISOLATE_OPENERS = new Set(['\u2066', '\u2067', '\u2068']);
const PDF = '\u202C';
const PDI = '\u2069';

/**
 * Appends the closers of every bidi embedding, override and isolate that `text` leaves open, in
 * the order UAX #9 (rules X6a, X7) pops them; balanced text comes back unchanged.
 */
export function closeBidi(text: string): string {
  if (!/[\u202A-\u202E\u2066-\u2069]/.test(text)) return text;
  const open: string[] = [];
  for (const ch of text) {
    if (EMBEDDING_OPENERS.has(ch) || ISOLATE_OPENERS.has(ch)) {
      open.push(ch);
    } else if (ch === PDF) {
      // A PDF closes the innermost embedding, but never one outside an open isolate.
      if (open.length > 0 && EMBEDDING_OPENERS.has(open.at(-1)!)) open.pop();
    } else if (ch === PDI) {
      // A PDI closes the innermost open isolate and every embedding opened inside it.
      const isolate = open.findLastIndex((o) => ISOLATE_OPENERS.has(o));
      if (isolate >= 0) open.length = isolate;
    }
  }
  return (
    text +
    open
      .reverse()
      .map((o) => (ISOLATE_OPENERS.has(o) ? PDI : PDF))
      .join('')
  );
}

/**
 * `text` if it has at most `max` grapheme clusters, else its first `max - 1` (trailing space
 * trimmed) and an ellipsis. Bidi controls the cut leaves open are closed before the ellipsis.
 */
export function cutText(text: string, max: number): string {
  // Fast path: fewer UTF-16 units than `max` means fewer graphemes too.
  if (text.length <= max) return closeBidi(text);
  const kept: string[] = [];
  for (const { segment } of segmenter.segment(text)) {
    if (kept.length === max)
      return `${closeBidi(
        kept
          .slice(0, max - 1)
          .join('')
          .trimEnd(),
      )}…`;
    kept.push(segment);
  }
  return closeBidi(text);
}
