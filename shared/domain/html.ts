/** The one HTML escape, for text and attribute values: feeds' entry bodies and the pages use it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/*
 * Plain text keeps its line structure in HTML, where a newline is only a space: a blank line
 * (spaces allowed) starts a paragraph, a single newline is a line break. CR LF and CR count as
 * newlines, as XML and HTML parsers read them.
 */
const lines = (text: string) => text.replace(/\r\n?/g, '\n').trim();

/** Escaped text as `<p>` paragraphs with `<br>` line breaks; `attrs` (trusted markup) goes on each `<p>`. */
export function paragraphsHtml(text: string, attrs = ''): string {
  return lines(text)
    .split(/\n[ \t]*\n\s*/)
    .map((para) => `<p${attrs}>${lineBreaksHtml(para)}</p>`)
    .join('');
}

/** Escaped text with every newline a `<br>`, for text inside a paragraph (a blank line is two). */
export function lineBreaksHtml(text: string): string {
  return lines(text)
    .split('\n')
    .map((line) => escapeHtml(line))
    .join('<br>');
}
