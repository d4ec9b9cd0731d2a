/*
 * The live story page, as a static script (the pages' CSP allows no inline script).
 *
 * It asks the server what changed since the version the page shows
 * (`GET /api/stories/{id}/changes?since=N`, a conditional GET: 304 while nothing changed) and
 * applies the answer without moving what the reader is reading:
 * - an update already on the page is replaced in place (a correction with its note, a retraction
 *   by its notice);
 * - a new update goes in at its place in the timeline when the reader is at the top of it;
 *   otherwise it waits behind a "N new updates" button, and the title counts it as "(N)";
 * - the head (headline, summary, status, counts) and the headline history are replaced whole.
 * It pauses while the tab is hidden and catches up when it is shown again; it backs off on errors.
 * Updates that are new since the reader's last visit to the story are marked (localStorage).
 * Every piece of HTML it inserts was rendered and escaped by the server.
 */
(() => {
  'use strict';
  const story = document.querySelector('article.story[data-changes]');
  if (!story) return;
  const timeline = document.querySelector('ol.timeline');
  const button = document.getElementById('new-updates');
  const status = document.getElementById('live-status');
  if (!timeline || !button || !status) return;

  const storyId = story.dataset.story;
  const changesUrl = story.dataset.changes;
  const pollMs = Math.max(2, Number(story.dataset.pollSeconds) || 15) * 1000;
  /** New updates go in at the top only on the first page of the newest-first timeline. */
  const liveTop = timeline.dataset.live === 'top';
  /** The timeline continues on older pages: an update older than the last one shown belongs there. */
  const hasOlder = timeline.dataset.more === 'true';
  const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');
  let version = Number(story.dataset.version);
  let title = document.title;
  let etag = null;
  let timer = null;
  let failures = 0;
  let polling = false;
  /** New updates waiting for the reader, by update id: their HTML and timeline key. */
  const waiting = new Map();

  // ── New since the last visit ───────────────────────────────────────────────
  const seenKey = `newsroom:seen:${storyId}`;
  const storage = (() => {
    try {
      return window.localStorage;
    } catch {
      return null; // storage disabled: nothing is marked
    }
  })();
  const lastSeen = storage ? Number(storage.getItem(seenKey) ?? NaN) : NaN;
  const markUnseen = (li) => {
    if (!Number.isFinite(lastSeen) || Number(li.dataset.version) <= lastSeen) return;
    li.classList.add('unseen');
    const meta = li.querySelector('.entry-meta');
    if (!meta || meta.querySelector('.badge.new')) return;
    const badge = document.createElement('span');
    badge.className = 'badge new';
    badge.textContent = 'New';
    const hint = document.createElement('span');
    hint.className = 'visually-hidden';
    hint.textContent = ' since your last visit';
    badge.append(hint);
    meta.prepend(badge);
  };
  /** Remembers the version shown, unless new updates still wait behind the button (they stay new). */
  const remember = () => {
    if (waiting.size > 0) return;
    try {
      storage?.setItem(seenKey, String(version));
    } catch {
      // quota or privacy mode: the marks are a convenience
    }
  };
  for (const li of timeline.children) markUnseen(li);
  remember();

  // ── Applying changes ───────────────────────────────────────────────────────
  const fragment = (html) => {
    const template = document.createElement('template');
    template.innerHTML = html;
    return template.content.firstElementChild;
  };

  /** Where an entry of timeline key `key` goes; `undefined` when it belongs to an older page. */
  const placeFor = (key) => {
    for (const li of timeline.children) if ((li.dataset.key ?? '') < key) return li;
    return hasOlder ? undefined : null;
  };

  const insert = (update) => {
    const at = placeFor(update.key);
    if (at === undefined) return null;
    const li = fragment(update.html);
    if (!li) return null;
    timeline.insertBefore(li, at);
    li.classList.add('arrived');
    markUnseen(li);
    return li;
  };

  const atTop = () => timeline.getBoundingClientRect().top >= 0;

  const announce = (text) => {
    status.textContent = '';
    // A new text node each time, so that screen readers announce a repeated message too.
    window.setTimeout(() => (status.textContent = text), 50);
  };

  const plural = (n, word) => `${n} new ${word}${n === 1 ? '' : 's'}`;

  const showWaiting = () => {
    const n = waiting.size;
    document.title = n > 0 ? `(${n}) ${title}` : title;
    button.hidden = n === 0;
    button.textContent = n > 0 ? `Show ${plural(n, 'update')}` : '';
  };

  const showAll = () => {
    const inserted = [];
    for (const update of [...waiting.values()].sort((a, b) => (a.key < b.key ? 1 : -1))) {
      const li = insert(update);
      if (li) inserted.push(li);
    }
    waiting.clear();
    showWaiting();
    remember();
    if (!liveTop) {
      window.location.assign(story.dataset.latest);
      return;
    }
    const first = inserted.sort((a, b) => (a.dataset.key < b.dataset.key ? 1 : -1))[0];
    timeline.scrollIntoView({ block: 'start', behavior: reducedMotion.matches ? 'auto' : 'smooth' });
    if (first) {
      first.tabIndex = -1;
      first.focus({ preventScroll: true });
    }
    announce(`${plural(inserted.length, 'update')} shown`);
  };
  button.addEventListener('click', showAll);

  const apply = (changes) => {
    for (const [id, html] of Object.entries(changes.regions ?? {})) {
      const region = document.getElementById(id);
      const next = fragment(html);
      // The headline history keeps its open or closed state.
      if (region && next) {
        const open = region.querySelector('details')?.open;
        if (open !== undefined) next.querySelector('details')?.toggleAttribute('open', open);
        region.replaceWith(next);
      }
    }
    if (changes.title) title = changes.title;
    let arrived = 0;
    let changed = 0;
    for (const update of changes.updates) {
      const shown = document.getElementById(`update-${update.updateId}`);
      if (shown) {
        const next = fragment(update.html);
        if (!next) continue;
        if (shown.classList.contains('unseen')) markUnseen(next);
        shown.replaceWith(next);
        changed++;
      } else if (waiting.has(update.updateId) || update.version > version) {
        waiting.set(update.updateId, { html: update.html, key: update.key });
      }
    }
    version = Math.max(version, changes.version);
    story.dataset.version = String(version);
    if (liveTop && atTop() && button.hidden) {
      for (const update of waiting.values()) if (insert(update)) arrived++;
      waiting.clear();
      remember();
    }
    showWaiting();
    const news = [];
    if (arrived > 0) news.push(`${plural(arrived, 'update')} added at the top`);
    if (waiting.size > 0) news.push(plural(waiting.size, 'update'));
    if (changed > 0) news.push(`${changed} update${changed === 1 ? '' : 's'} changed`);
    if (news.length > 0) announce(news.join('; '));
  };

  // ── Polling ────────────────────────────────────────────────────────────────
  const schedule = (ms) => {
    window.clearTimeout(timer);
    // Jitter spreads the readers of one story over the interval.
    timer = window.setTimeout(poll, ms + Math.floor(Math.random() * Math.min(ms, 2000)));
  };

  async function poll() {
    timer = null;
    if (document.hidden || polling) return;
    polling = true;
    let next = pollMs;
    try {
      const url = `${changesUrl}?since=${version}`;
      const res = await fetch(url, { headers: etag && etag.url === url ? { 'If-None-Match': etag.tag } : {} });
      if (res.status === 200) {
        const changes = await res.json();
        const tag = res.headers.get('ETag');
        apply(changes);
        // The validator is of this URL's answer: once the version moved on, the next URL is another resource.
        etag = tag && url === `${changesUrl}?since=${version}` ? { url, tag } : null;
        failures = 0;
        // More to fetch: the answer stopped at a page of changes.
        if (!changes.complete) next = 500;
      } else if (res.status === 304) {
        failures = 0;
      } else if (res.status === 404) {
        return; // the story is gone: nothing more to follow
      } else {
        failures++;
        const retryAfter = Number(res.headers.get('Retry-After'));
        next = Math.max(Number.isFinite(retryAfter) ? retryAfter * 1000 : 0, Math.min(pollMs * 2 ** failures, 300_000));
      }
    } catch {
      failures++;
      next = Math.min(pollMs * 2 ** failures, 300_000);
    } finally {
      polling = false;
    }
    schedule(next);
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
      remember();
    } else {
      poll();
    }
  });
  window.addEventListener('pagehide', remember);
  schedule(pollMs);
})();
