/**
 * The editor's desk (`/desk`, `/desk/stories/{id}`): server-rendered pages that hold only what the
 * public may read (the story list, a story's head and timeline), plus the forms an editor posts
 * with. The desk script (a static asset, assets/desk.js) signs the editor in, keeps the token in
 * the tab's sessionStorage and sends every form to the write API with it; without a token the
 * editor sees the sign-in form only. The state an editor acts on (head, version, timeline) sits in
 * one region, `#desk-state`, that the script fetches again after each write: the page is answered
 * `no-store`, so no cache (CloudFront's included) ever shows an editor an older story.
 *
 * Every form field names the JSON pointer it fills (`data-pointer`), so that a problem+json error
 * naming a field is shown beside it. All editor text is escaped.
 */
import { escapeHtml as e } from '../html';
import type { StorySummary } from '../projection/story-summary';
import type { StoryHead, TimelineEntry } from '../projection/story-view';
import { entryContentHtml, entryLabel, entryNotesHtml } from './entry';
import { layout, storyPath, updatePath, when, type PageAssets } from './parts';

/** The desk's own static assets (shared/adapters/http/static-assets.ts serves them beside the pages'). */
export interface DeskAssets {
  deskScript: string;
  deskStylesheet: string;
}

export type DeskPageAssets = PageAssets & DeskAssets;

/** Updates on one page of the desk's timeline. */
export const DESK_PAGE_SIZE = 50;

export const deskStoryPath = (storyId: string) => `/desk/stories/${encodeURIComponent(storyId)}`;

interface Field {
  /** Unique within the page. */
  id: string;
  label: string;
  /** The JSON pointer of the request body this field fills. */
  pointer: string;
  type?: 'text' | 'url' | 'textarea' | 'datetime-local' | 'checkbox' | 'password';
  value?: string;
  checked?: boolean;
  required?: boolean;
  hint?: string;
  /** Extra attributes (trusted markup). */
  attrs?: string;
}

/** One labelled field with its hint and the place its error goes (hidden until the API names it). */
function fieldHtml(f: Field): string {
  const hintId = `${f.id}-hint`;
  const describedBy = f.hint ? ` aria-describedby="${e(hintId)}"` : '';
  const common = `id="${e(f.id)}" name="${e(f.id)}" data-pointer="${e(f.pointer)}"${f.required ? ' required aria-required="true"' : ''}${describedBy}${f.attrs ?? ''}`;
  const hint = f.hint ? `<p class="hint" id="${e(hintId)}">${e(f.hint)}</p>` : '';
  const error = `<p class="field-error" id="${e(f.id)}-error" hidden></p>`;
  if (f.type === 'checkbox') {
    return `<div class="field check"><input type="checkbox" ${common}${f.checked ? ' checked' : ''}><label for="${e(f.id)}">${e(f.label)}</label>${hint}${error}</div>`;
  }
  const control =
    f.type === 'textarea'
      ? `<textarea ${common} rows="4" dir="auto">${e(f.value ?? '')}</textarea>`
      : `<input type="${f.type ?? 'text'}" ${common}${f.type === 'text' || f.type === undefined ? ' dir="auto"' : ''} value="${e(f.value ?? '')}">`;
  return `<div class="field"><label for="${e(f.id)}">${e(f.label)}</label>${hint}${control}${error}</div>`;
}

/**
 * A form the desk script sends: `data-form` says what it sends, the general error goes last.
 * `method="post"`: should one ever be submitted without the script (not loaded yet, or disabled),
 * its fields (the editor token among them) go in a body the server refuses (405), never into a URL.
 */
function formHtml(kind: string, labelledBy: string, fields: string, submit: string, extra = ''): string {
  return `<form class="desk-form" method="post" data-form="${e(kind)}" aria-labelledby="${e(labelledBy)}" novalidate${extra}>
${fields}
<p class="form-error" role="alert" hidden></p>
<button type="submit">${e(submit)}</button>
</form>`;
}

const RELEASE_HINT = 'Leave empty to publish now. Your time zone, to the second; at most 30 days ahead.';
const WHEN_HINT = 'A date (2010-04-07), or a date and time with its zone (2010-04-07T14:00:00+06:00).';

/** What every desk page shows first: the sign-in form, and who is signed in once they are. */
function sessionHtml(): string {
  return `<section id="sign-in" class="desk-panel" aria-labelledby="sign-in-title">
<h2 id="sign-in-title">Sign in</h2>
${formHtml(
  'sign-in',
  'sign-in-title',
  fieldHtml({
    id: 'editor-token',
    label: 'Editor token',
    pointer: '/headers/authorization',
    type: 'password',
    required: true,
    hint: 'Kept in this browser tab only, until you sign out or close the tab.',
    attrs: ' autocomplete="off" spellcheck="false"',
  }),
  'Sign in',
)}
</section>
<div id="signed-in" class="signed-in" hidden><p>Signed in as <strong id="editor-name"></strong></p><button type="button" id="sign-out">Sign out</button></div>
<noscript><p class="form-error">The desk needs JavaScript.</p></noscript>`;
}

const DESK_HEAD = (assets: DeskPageAssets) =>
  `<meta name="robots" content="noindex, nofollow">
<link rel="stylesheet" href="${e(assets.deskStylesheet)}">
<script src="${e(assets.deskScript)}" defer></script>`;

function storyItem(s: StorySummary): string {
  return `<li><a href="${deskStoryPath(s.storyId)}" dir="auto">${e(s.headline)}</a> <span class="small"><span class="status ${e(s.status)}">${e(
    s.status,
  )}</span> · version ${s.version}</span></li>`;
}

/** `/desk`: sign in; then the stories, each a link to its desk page, and the form that opens a new one. */
export function deskHomePage(assets: DeskPageAssets, stories: StorySummary[]): string {
  const open = formHtml(
    'open-story',
    'open-title',
    [
      fieldHtml({
        id: 'open-id',
        label: 'Story id',
        pointer: '/id',
        required: true,
        hint: 'Lowercase letters, digits and hyphens; it is part of the story’s address and never changes.',
        attrs: ' autocomplete="off" spellcheck="false" autocapitalize="none"',
      }),
      fieldHtml({ id: 'open-headline', label: 'Headline', pointer: '/headline', required: true }),
      fieldHtml({ id: 'open-summary', label: 'Summary', pointer: '/summary', type: 'textarea', required: true }),
      fieldHtml({ id: 'open-language', label: 'Language', pointer: '/language', value: 'en', hint: 'A language tag such as en or ru-KG.' }),
    ].join('\n'),
    'Open a new story',
  );
  const body = `<div class="desk" data-desk="home">
<h1>Editor’s desk</h1>
${sessionHtml()}
<div id="desk-work" hidden>
<section class="desk-panel" aria-labelledby="stories-title"><h2 id="stories-title">Stories</h2>
<ul id="desk-stories" class="desk-stories">${stories.map(storyItem).join('\n') || '<li>No stories yet.</li>'}</ul></section>
<section class="desk-panel" aria-labelledby="open-title"><h2 id="open-title">Open a new story</h2>
${open}</section>
</div>
</div>`;
  return layout(assets, { title: 'Editor’s desk – Newsroom', head: DESK_HEAD(assets), body });
}

export interface DeskStoryParts {
  /** One page of the timeline, newest first. */
  timeline: TimelineEntry[];
  /** The cursor this page was asked for (absent: the first page). */
  cursor?: string;
  /** The cursor of the next (older) page. */
  next?: string;
}

/** The fields of an article or a statement, for posting one (`prefix` keeps ids apart) or correcting one (`pointers` under `/changes`). */
function articleFields(prefix: string, base: string, value?: Partial<Record<string, string>>, correcting = false): string[] {
  return [
    fieldHtml({ id: `${prefix}-title`, label: 'Title', pointer: `${base}/title`, value: value?.title, required: !correcting }),
    fieldHtml({
      id: `${prefix}-url`,
      label: 'URL',
      pointer: `${base}/url`,
      type: 'url',
      value: value?.url,
      required: !correcting,
      attrs: ' spellcheck="false"',
    }),
    fieldHtml({ id: `${prefix}-outlet`, label: 'Outlet', pointer: `${base}/outlet`, value: value?.outlet, required: !correcting }),
    fieldHtml({
      id: `${prefix}-published-at`,
      label: 'Published at',
      pointer: `${base}/publishedAt`,
      value: value?.publishedAt,
      required: !correcting,
      hint: WHEN_HINT,
      attrs: correcting ? '' : ' data-default="now"',
    }),
    fieldHtml({ id: `${prefix}-summary`, label: 'Summary', pointer: `${base}/summary`, type: 'textarea', value: value?.summary }),
    fieldHtml({ id: `${prefix}-author`, label: 'Author', pointer: `${base}/author`, value: value?.author }),
  ];
}

function statementFields(prefix: string, base: string, value?: Partial<Record<string, string>>, correcting = false): string[] {
  return [
    fieldHtml({ id: `${prefix}-speaker`, label: 'Speaker', pointer: `${base}/speaker/name`, value: value?.speaker, required: !correcting }),
    fieldHtml({ id: `${prefix}-role`, label: 'Role', pointer: `${base}/speaker/role`, value: value?.role }),
    fieldHtml({ id: `${prefix}-quote`, label: 'Quote', pointer: `${base}/quote`, type: 'textarea', value: value?.quote, required: !correcting }),
    fieldHtml({ id: `${prefix}-said-at`, label: 'Said at', pointer: `${base}/saidAt`, value: value?.saidAt, hint: WHEN_HINT }),
    fieldHtml({
      id: `${prefix}-medium`,
      label: 'Medium',
      pointer: `${base}/medium`,
      value: value?.medium,
      hint: 'Where it was said: a press conference, a broadcast, …',
    }),
    fieldHtml({
      id: `${prefix}-outlet`,
      label: 'Outlet',
      pointer: `${base}/outlet`,
      value: value?.outlet,
      hint: 'Who reported it, if not said to the newsroom.',
    }),
    fieldHtml({ id: `${prefix}-url`, label: 'URL', pointer: `${base}/url`, type: 'url', value: value?.url, attrs: ' spellcheck="false"' }),
    fieldHtml({ id: `${prefix}-context`, label: 'Context', pointer: `${base}/context`, type: 'textarea', value: value?.context }),
  ];
}

/** The flags a new article or statement may carry: a key event, an embargo. */
function postingExtras(prefix: string, kind: string): string[] {
  return [
    ...(kind === 'statement'
      ? [
          fieldHtml({
            id: `${prefix}-reported`,
            label: 'Reported speech (the reporter’s account, not the speaker’s own words)',
            pointer: '/speech',
            type: 'checkbox',
            attrs: ' data-checked-value="reported"',
          }),
        ]
      : []),
    fieldHtml({ id: `${prefix}-key-event`, label: 'Key event', pointer: '/keyEvent', type: 'checkbox' }),
    // step="1": the field names seconds too (minutes only by default), so a release can be set to the second.
    fieldHtml({
      id: `${prefix}-release-at`,
      label: 'Release at',
      pointer: '/releaseAt',
      type: 'datetime-local',
      hint: RELEASE_HINT,
      attrs: ' step="1"',
    }),
  ];
}

function postHtml(): string {
  return `<section class="desk-panel" aria-labelledby="post-title"><h2 id="post-title">Post an update</h2>
<fieldset class="choice"><legend>What to post</legend>
<label><input type="radio" name="post-kind" value="statement" checked> Statement</label>
<label><input type="radio" name="post-kind" value="article"> Article</label>
</fieldset>
<div data-post="statement"><h3 id="post-statement-title">Post a statement</h3>
${formHtml('statement', 'post-statement-title', [...statementFields('statement', ''), ...postingExtras('statement', 'statement')].join('\n'), 'Publish')}</div>
<div data-post="article" hidden><h3 id="post-article-title">Post an article</h3>
${formHtml('article', 'post-article-title', [...articleFields('article', ''), ...postingExtras('article', 'article')].join('\n'), 'Publish')}</div>
</section>`;
}

function storyFormsHtml(head: StoryHead): string {
  const headline = formHtml(
    'headline',
    'headline-title',
    [
      fieldHtml({ id: 'headline-headline', label: 'Headline', pointer: '/headline', value: head.headline, required: true }),
      fieldHtml({ id: 'headline-summary', label: 'Summary', pointer: '/summary', type: 'textarea', value: head.summary }),
    ].join('\n'),
    'Change the headline',
  );
  const options = (['developing', 'concluded'] as const)
    .map((s) => `<option value="${s}"${s === head.status ? ' selected' : ''}>${s === 'developing' ? 'Developing' : 'Concluded'}</option>`)
    .join('');
  const status = formHtml(
    'status',
    'status-title',
    `<div class="field"><label for="status-status">Status</label><select id="status-status" name="status-status" data-pointer="/status">${options}</select><p class="field-error" id="status-status-error" hidden></p></div>`,
    'Change the status',
  );
  return `<section class="desk-panel" aria-labelledby="headline-title"><h2 id="headline-title">Headline and summary</h2>${headline}</section>
<section class="desk-panel" aria-labelledby="status-title"><h2 id="status-title">Status</h2>${status}</section>`;
}

/** The content fields of an entry, as a correction form starts from them. */
function currentValues(entry: TimelineEntry): Partial<Record<string, string>> {
  const c = entry.content;
  if (c.kind === 'article') return { title: c.title, url: c.url, outlet: c.outlet, publishedAt: c.publishedAt, summary: c.summary, author: c.author };
  return {
    speaker: c.speaker.name,
    role: c.speaker.role,
    quote: c.quote,
    saidAt: c.saidAt,
    medium: c.medium,
    outlet: c.outlet,
    url: c.url,
    context: c.context,
  };
}

/** One update as the desk shows it: what readers see, then what the editor may do with it. */
export function deskEntryHtml(entry: TimelineEntry, pinned: boolean): string {
  const id = e(entry.updateId);
  const label = entryLabel(entry);
  const time = entry.retraction ? when(entry.recordedAt) : when(entry.occurredAt ?? entry.recordedAt, entry.dateApproximate);
  const badges = [
    pinned ? '<span class="badge pin">Pinned</span>' : '',
    entry.keyEvent && !entry.retraction ? '<span class="badge key">Key event</span>' : '',
  ].join('');
  const meta = `<p class="entry-meta">${badges}<a href="${e(updatePath(entry.storyId, entry.updateId))}">${time}<span class="visually-hidden"> (public page of this update)</span></a> · version ${entry.version} · by ${e(entry.recordedBy)}</p>`;
  const attrs = `id="desk-update-${id}" class="desk-entry" data-update-id="${id}" data-kind="${entry.kind}" data-change-version="${entry.changeVersion}"`;
  if (entry.retraction) return `<li ${attrs}>\n${meta}\n${entryNotesHtml(entry)}</li>`;
  const prefix = `u-${entry.updateId}`;
  const values = currentValues(entry);
  const fields =
    entry.kind === 'article' ? articleFields(`${prefix}-c`, '/changes', values, true) : statementFields(`${prefix}-c`, '/changes', values, true);
  const actions = `<div class="actions" role="group" aria-label="${e(`Actions on ${label}`)}">
<button type="button" data-action="key-event" data-key-event="${entry.keyEvent ? 'false' : 'true'}">${entry.keyEvent ? 'Unmark key event' : 'Mark as key event'}</button>
<button type="button" data-action="${pinned ? 'unpin' : 'pin'}">${pinned ? 'Unpin' : 'Pin'}</button>
</div>
<p class="form-error action-error" role="alert" hidden></p>`;
  const correct = `<details class="desk-more"><summary>Correct</summary>
<h4 id="${prefix}-correct-title" class="visually-hidden">${e(`Correct ${label}`)}</h4>
${formHtml(
  'correction',
  `${prefix}-correct-title`,
  [
    ...fields,
    fieldHtml({
      id: `${prefix}-note`,
      label: 'Note',
      pointer: '/note',
      type: 'textarea',
      required: true,
      hint: 'What was wrong and what changed: readers see it.',
    }),
  ].join('\n'),
  'Publish the correction',
)}</details>`;
  const retract = `<details class="desk-more"><summary>Retract</summary>
<h4 id="${prefix}-retract-title" class="visually-hidden">${e(`Retract ${label}`)}</h4>
${formHtml(
  'retraction',
  `${prefix}-retract-title`,
  fieldHtml({
    id: `${prefix}-reason`,
    label: 'Reason',
    pointer: '/reason',
    type: 'textarea',
    required: true,
    hint: 'Readers see this notice in place of the update.',
  }),
  'Retract the update',
)}</details>`;
  return `<li ${attrs}>
${meta}
<div class="desk-content">${entryContentHtml(entry)}${entryNotesHtml(entry)}</div>
${actions}
${correct}
${retract}
</li>`;
}

/**
 * What the desk script fetches again after a write (by their ids): the story's status and version
 * (the version the editor's next If-Match names), its headline, and the timeline.
 */
export function deskMetaHtml(head: StoryHead): string {
  return `<p id="desk-meta" class="meta" data-version="${head.version}" data-headline="${e(head.headline)}"><span class="status ${e(head.status)}">${e(
    head.status,
  )}</span> · version ${head.version} · ${head.updateCount} updates · <a href="${storyPath(head.storyId)}">Public page</a></p>`;
}

export function deskTimelineHtml(head: StoryHead, parts: DeskStoryParts): string {
  const base = deskStoryPath(head.storyId);
  const pager = [
    parts.cursor ? `<a href="${base}">← The latest updates</a>` : '',
    parts.next ? `<a rel="next" href="${e(`${base}?cursor=${encodeURIComponent(parts.next)}`)}">Older updates →</a>` : '',
  ].join('');
  const items = parts.timeline.map((entry) => deskEntryHtml(entry, entry.updateId === head.pinned)).join('\n');
  return `<div id="desk-timeline">
<ol class="desk-timeline">${items || '<li class="empty">No updates yet.</li>'}</ol>
${pager ? `<nav class="pager" aria-label="More updates">${pager}</nav>` : ''}
</div>`;
}

/** `/desk/stories/{id}`: one story at the desk. */
export function deskStoryPage(assets: DeskPageAssets, head: StoryHead, parts: DeskStoryParts): string {
  const body = `<div class="desk" data-desk="story" data-story="${e(head.storyId)}">
<p class="small"><a href="/desk">← All stories at the desk</a></p>
<h1 id="desk-headline" dir="auto" lang="${e(head.language)}">${e(head.headline)}</h1>
${sessionHtml()}
<div id="desk-work" hidden>
${deskMetaHtml(head)}
<div class="desk-alert" id="desk-alert" hidden><p id="desk-alert-text" role="alert"></p><button type="button" id="desk-reload">Reload the timeline</button></div>
<p id="desk-status" class="desk-status" role="status" aria-live="polite"></p>
${postHtml()}
<section class="desk-panel" aria-labelledby="scheduled-title"><h2 id="scheduled-title">Scheduled</h2><div id="scheduled-body"><p class="small">Loading…</p></div></section>
<section class="desk-panel" aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>
<p class="small">Newest first. What you do here is published at once.</p>
${deskTimelineHtml(head, parts)}
</section>
${storyFormsHtml(head)}
</div>
</div>`;
  return layout(assets, { title: `${head.headline} – Editor’s desk`, head: DESK_HEAD(assets), body });
}
