/** The request contract's length limits, apart from its schemas so that what needs only a number carries no schema. */

/**
 * Maximum lengths in UTF-16 code units (what zod and JSON Schema's maxLength count). Long text
 * (a quote, an article's summary, a statement's context) may fill the 64 KiB request body: 60,000
 * characters of ASCII text leave room for every other field of the update at its maximum (about
 * 2.8 KB as JSON for a statement without context, less for an article or a correction), so an
 * ASCII body within these limits is never too large; text of several bytes a character (Cyrillic,
 * Arabic, CJK) meets the body limit (413) first. A story's summary stays short: it is shown with
 * the story everywhere (the story list, every feed's description, every page).
 */
export const LIMITS = {
  storyId: 80,
  headline: 200,
  /** A story's summary (opening it, a headline change). */
  summary: 2_000,
  /** An article's summary. */
  articleSummary: 60_000,
  title: 300,
  quote: 60_000,
  name: 120,
  role: 200,
  outlet: 120,
  medium: 120,
  context: 60_000,
  url: 2_000,
  /** An ISO 8601 date-time: `2010-04-07T14:00:00.123456789+06:00` is 35 characters. */
  dateTime: 40,
  note: 1_000,
  reason: 1_000,
  topic: 60,
  topics: 20,
} as const;
