/*
 * The editor's desk, as a static script (the pages' CSP allows no inline script).
 *
 * - Sign in: the editor token is checked with `GET /api/editor`, then kept in this tab's
 *   sessionStorage only (gone when the tab closes or the editor signs out) and sent as
 *   `Authorization: Bearer` with every write. No cookies are sent or set.
 * - Every form posts JSON to the write API with an `Idempotency-Key` (one per submission: a retry
 *   of the same submission sends the same key, so it is recorded once; the button is disabled while
 *   it is in flight) and, for a story's updates, the `If-Match` of the version the editor sees.
 * - A refusal (RFC 9457 problem+json) is shown beside each field it names (by JSON pointer), with
 *   aria-invalid and aria-describedby; anything else as the form's general error. A 412 says
 *   "The story moved on: version N now" with a button that reloads the timeline.
 * - After a write, the story's desk page is fetched again (it is answered no-store) until it shows
 *   the new version, and its head and timeline are put in place; a timeline item the editor has not
 *   changed keeps its node, so a correction being typed elsewhere is not lost.
 * - "Scheduled" lists `GET /api/stories/{id}/scheduled` (each labelled by its title, or its speaker
 *   and words), with "Reschedule" (a `reschedule` of it) and "Cancel the release" (a retraction of
 *   it before its release, which cancels it). When the soonest is due, the list and the timeline are
 *   read again, so the editor sees it leave the list and join the timeline.
 * All text from the server is put in the page as text, or as HTML the server rendered and escaped.
 */
(() => {
  'use strict';
  const root = document.querySelector('.desk[data-desk]');
  if (!root) return;
  const TOKEN_KEY = 'newsroom:desk:token';
  const storyId = root.dataset.story || null;
  const signIn = document.getElementById('sign-in');
  const signedIn = document.getElementById('signed-in');
  const work = document.getElementById('desk-work');
  const statusLine = document.getElementById('desk-status');
  const alertBox = document.getElementById('desk-alert');
  if (!signIn || !signedIn || !work) return;

  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null; // storage disabled: the token lives as long as the page
    }
  })();
  let token = storage ? storage.getItem(TOKEN_KEY) : null;
  /** Keeps (or forgets) the token in the tab; a storage that refuses leaves it in this page only. */
  const keep = (value) => {
    try {
      if (value) storage?.setItem(TOKEN_KEY, value);
      else storage?.removeItem(TOKEN_KEY);
    } catch {
      // private browsing with no storage quota: signed in until the page closes
    }
  };

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const say = (text) => {
    if (statusLine) statusLine.textContent = text;
  };

  /** A fresh key for one submission. */
  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ── The API ────────────────────────────────────────────────────────────────

  async function call(method, path, options = {}) {
    const headers = { Accept: 'application/json, application/problem+json', ...(options.headers || {}) };
    const bearer = options.token || token;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      return { status: 0, headers: new Headers(), data: null };
    }
    let data = null;
    if ((res.headers.get('content-type') || '').includes('json')) {
      try {
        data = await res.json();
      } catch {
        data = null;
      }
    }
    return { status: res.status, headers: res.headers, data };
  }

  // ── Errors beside their fields ─────────────────────────────────────────────

  const fieldsOf = (form) => Array.from(form.querySelectorAll('[data-pointer]'));
  const errorOf = (el) => document.getElementById(`${el.id}-error`);

  function describedBy(el, withError) {
    const errorId = `${el.id}-error`;
    const ids = (el.getAttribute('aria-describedby') || '').split(/\s+/).filter((id) => id && id !== errorId);
    if (withError) ids.push(errorId);
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }

  function clearErrors(form) {
    for (const el of fieldsOf(form)) {
      el.removeAttribute('aria-invalid');
      describedBy(el, false);
      const error = errorOf(el);
      if (error) {
        error.hidden = true;
        error.textContent = '';
      }
    }
    const general = form.querySelector('.form-error');
    if (general) {
      general.hidden = true;
      general.textContent = '';
    }
  }

  /** The field a pointer names: itself, the first field inside it (`/speaker`), or the field it is inside. */
  function fieldFor(form, pointer) {
    const fields = fieldsOf(form);
    const exact = fields.find((f) => f.dataset.pointer === pointer);
    if (exact || !pointer || pointer.startsWith('/headers/')) return exact || null;
    return fields.find((f) => f.dataset.pointer.startsWith(`${pointer}/`)) || fields.find((f) => pointer.startsWith(`${f.dataset.pointer}/`)) || null;
  }

  /** The fields a problem names: this API's `errors` (pointer, detail), and RFC 7807's `invalid-params` (name, reason). */
  function issuesOf(problem) {
    const issues = [];
    if (problem && Array.isArray(problem.errors)) {
      for (const e of problem.errors) issues.push({ pointer: String(e.pointer ?? ''), detail: String(e.detail ?? '') });
    }
    if (problem && Array.isArray(problem['invalid-params'])) {
      for (const p of problem['invalid-params']) {
        const name = String(p.pointer ?? p.name ?? '');
        issues.push({
          pointer: name === '' || name.startsWith('/') ? name : `/${name.split('.').join('/')}`,
          detail: String(p.reason ?? p.detail ?? ''),
        });
      }
    }
    return issues;
  }

  const sentence = (text) => (text ? text.charAt(0).toUpperCase() + text.slice(1) : text);

  function showGeneral(form, text) {
    const general = form.querySelector('.form-error');
    if (!general) return say(text);
    general.textContent = text;
    general.hidden = false;
  }

  /** Puts each issue beside its field; what names no field goes to the form's general error. */
  function showProblem(form, problem, fallback) {
    const unplaced = [];
    let first = null;
    for (const issue of issuesOf(problem)) {
      const el = fieldFor(form, issue.pointer);
      const error = el && errorOf(el);
      if (!error) {
        unplaced.push(issue.detail);
        continue;
      }
      error.textContent = error.textContent ? `${error.textContent} ${sentence(issue.detail)}.` : `${sentence(issue.detail)}.`;
      error.hidden = false;
      el.setAttribute('aria-invalid', 'true');
      describedBy(el, true);
      first = first || el;
    }
    if (!first || unplaced.length) {
      const detail = (problem && (problem.detail || problem.title)) || fallback;
      showGeneral(form, first ? `${sentence(unplaced.join('; '))}.` : `${sentence(detail)}${/[.!?]$/.test(detail) ? '' : '.'}`);
    }
    if (first) {
      // A closed <details> (a correction form) hides its fields: open it to show the error.
      const details = first.closest('details');
      if (details) details.open = true;
      first.focus();
    }
  }

  // ── Submissions ────────────────────────────────────────────────────────────

  /** The last attempt of each form or button: the same submission again reuses its Idempotency-Key. */
  const attempts = new WeakMap();

  const metaOf = () => document.getElementById('desk-meta');
  const seenVersion = () => Number(metaOf()?.dataset.version || 0);

  /**
   * Sends one submission of `owner` (a form, or an action button): disabled while in flight, with its
   * Idempotency-Key and, for a story's updates, If-Match. Returns the 201's body, or null when refused.
   */
  async function submit(owner, errorsIn, path, body, conditional) {
    if (owner.dataset.busy === 'true') return null;
    const buttons = owner.tagName === 'FORM' ? Array.from(owner.querySelectorAll('button')) : [owner];
    clearErrors(errorsIn);
    const ifMatch = conditional ? `"${seenVersion()}"` : null;
    const fingerprint = JSON.stringify([path, body, ifMatch]);
    const last = attempts.get(owner);
    const key = last && last.fingerprint === fingerprint ? last.key : newKey();
    attempts.set(owner, { fingerprint, key });
    owner.dataset.busy = 'true';
    owner.setAttribute('aria-busy', 'true');
    for (const b of buttons) b.disabled = true;
    try {
      const res = await call('POST', path, { body, headers: { 'Idempotency-Key': key, ...(ifMatch ? { 'If-Match': ifMatch } : {}) } });
      if (res.status === 201 && res.data) {
        attempts.delete(owner);
        return res.data;
      }
      refused(errorsIn, res);
      return null;
    } finally {
      delete owner.dataset.busy;
      owner.removeAttribute('aria-busy');
      for (const b of buttons) b.disabled = false;
    }
  }

  function refused(form, res) {
    const problem = res.data;
    if (res.status === 0) return showGeneral(form, 'The newsroom did not answer. Try again: the same submission is recorded once.');
    if (res.status === 401) return signOut('Your editor token was not accepted. Sign in again.');
    if (res.status === 412) return moved(problem, form);
    const retry = res.headers.get('retry-after');
    const later = retry ? ` Try again in ${retry} s.` : '';
    if (res.status === 429 || res.status >= 500) {
      const detail = (problem && (problem.detail || problem.title)) || 'The newsroom could not record it';
      return showGeneral(form, `${sentence(detail)}.${later} The same submission is recorded once.`);
    }
    showProblem(form, problem, `The newsroom refused it (${res.status})`);
  }

  /** A stale If-Match: say which version the story is at now, and offer to reload the timeline. */
  function moved(problem, form) {
    const now = problem && Number.isInteger(problem.currentVersion) ? problem.currentVersion : null;
    const text = now === null ? 'The story moved on.' : `The story moved on: version ${now} now.`;
    if (form) showGeneral(form, `${text} Reload the timeline, then publish again.`);
    if (!alertBox) return;
    const alertText = document.getElementById('desk-alert-text');
    if (alertText) alertText.textContent = `${text} Another editor changed it since you loaded it.`;
    alertBox.dataset.version = now === null ? '' : String(now);
    alertBox.hidden = false;
  }

  // ── The story's state, fetched again after writes ──────────────────────────

  /** The server's HTML of each timeline item as it was put in place: an unchanged item keeps its node. */
  const rendered = new WeakMap();
  const remember = () => {
    for (const li of document.querySelectorAll('#desk-timeline li.desk-entry')) rendered.set(li, li.outerHTML);
  };

  function apply(doc) {
    const meta = doc.getElementById('desk-meta');
    const current = metaOf();
    if (meta && current) current.replaceWith(document.adoptNode(meta));
    const headline = document.getElementById('desk-headline');
    if (meta && headline && meta.dataset.headline) {
      headline.textContent = meta.dataset.headline;
      document.title = doc.title;
    }
    const fresh = doc.getElementById('desk-timeline');
    const timeline = document.getElementById('desk-timeline');
    if (!fresh || !timeline) return;
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('li.desk-entry') : null;
    const focusId = focused && timeline.contains(focused) ? focused.id : null;
    const old = new Map(Array.from(timeline.querySelectorAll('li.desk-entry'), (li) => [li.id, li]));
    const list = fresh.querySelector('ol');
    const incoming = list ? Array.from(list.children) : [];
    const html = new Map(incoming.map((li) => [li, li.outerHTML]));
    for (const li of incoming) {
      const kept = old.get(li.id);
      if (kept && rendered.get(kept) === html.get(li)) list.replaceChild(kept, li);
    }
    timeline.replaceWith(document.adoptNode(fresh));
    for (const [li, text] of html) if (li.isConnected) rendered.set(li, text);
    if (focusId) {
      const li = document.getElementById(focusId);
      if (li && !li.contains(document.activeElement)) {
        const target = li.querySelector('.actions button') || li;
        if (target === li) li.tabIndex = -1;
        target.focus();
      }
    }
  }

  /** Fetches the page again until it shows at least `version`; false when it has not caught up in time. */
  async function reload(version) {
    for (let attempt = 0; attempt < 12; attempt++) {
      try {
        const res = await fetch(location.pathname + location.search, { cache: 'no-store', credentials: 'omit', headers: { Accept: 'text/html' } });
        if (res.ok) {
          const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
          const meta = doc.getElementById('desk-meta');
          if (meta && Number(meta.dataset.version) >= version) {
            apply(doc);
            return true;
          }
        }
      } catch {
        // not reachable: try again below
      }
      await sleep(Math.min(2000, 150 * 2 ** attempt));
    }
    say(`The timeline has not caught up with version ${version} yet. Reload the page in a moment.`);
    return false;
  }

  /** After a 201 for a story update: the editor has seen their own version; the page catches up. */
  async function written(result, message) {
    const meta = metaOf();
    // With If-Match the write went on top of what the editor saw: they have seen the new version too.
    if (meta && result.version === seenVersion() + 1) meta.dataset.version = String(result.version);
    say(message);
    if (alertBox) alertBox.hidden = true;
    await reload(result.version);
    void loadScheduled();
  }

  // ── Building bodies from forms ─────────────────────────────────────────────

  const pad = (n) => String(n).padStart(2, '0');
  /** A datetime-local value as an ISO time with the editor's zone offset at that time. */
  function zoned(local) {
    const at = new Date(local);
    if (!local || Number.isNaN(at.getTime())) return local; // the API names what is wrong
    const offset = -at.getTimezoneOffset();
    const sign = offset >= 0 ? '+' : '-';
    const abs = Math.abs(offset);
    return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  }
  /** Now, as an ISO time with the editor's zone, to the minute. */
  function now() {
    const d = new Date();
    return zoned(`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`);
  }
  function fillDefaults(scope) {
    for (const el of scope.querySelectorAll('[data-default="now"]')) if (!el.value) el.value = now();
  }

  function setAt(target, pointer, value) {
    const parts = pointer.split('/').slice(1);
    let at = target;
    for (const part of parts.slice(0, -1)) at = at[part] = at[part] || {};
    at[parts.at(-1)] = value;
  }

  const valueOf = (el) => (el.type === 'datetime-local' ? zoned(el.value) : el.value);

  /** A new article or statement: every filled field at its pointer; empty optional fields left out. */
  function postingBody(form, type) {
    const body = { type };
    for (const el of fieldsOf(form)) {
      if (el.type === 'checkbox') {
        if (el.checked) setAt(body, el.dataset.pointer, el.dataset.checkedValue || true);
      } else if (el.value.trim() !== '') {
        setAt(body, el.dataset.pointer, valueOf(el));
      }
    }
    return body;
  }

  /** A correction: the fields changed from what the update says now (a speaker whole), and the note. */
  function correctionBody(form, target) {
    const body = { type: 'correction', target, changes: {} };
    const speaker = fieldsOf(form).filter((el) => el.dataset.pointer.startsWith('/changes/speaker/'));
    for (const el of fieldsOf(form)) {
      const pointer = el.dataset.pointer;
      if (pointer === '/note') body.note = el.value;
      else if (!pointer.startsWith('/changes/speaker/') && el.value !== el.defaultValue) setAt(body, pointer, el.value);
    }
    if (speaker.some((el) => el.value !== el.defaultValue)) {
      for (const el of speaker) if (el.value.trim() !== '' || el.dataset.pointer.endsWith('/name')) setAt(body, el.dataset.pointer, el.value);
    }
    return body;
  }

  const field = (form, pointer) => form.querySelector(`[data-pointer="${pointer}"]`);
  const updatesPath = () => `/api/stories/${encodeURIComponent(storyId)}/updates`;

  // ── Forms ──────────────────────────────────────────────────────────────────

  const handlers = {
    'sign-in': async (form) => {
      const input = field(form, '/headers/authorization');
      clearErrors(form);
      const presented = input.value.trim();
      if (!presented) return showProblem(form, { errors: [{ pointer: '/headers/authorization', detail: 'enter your editor token' }] });
      form.dataset.busy = 'true';
      form.querySelector('button').disabled = true;
      const res = await call('GET', '/api/editor', { token: presented });
      delete form.dataset.busy;
      form.querySelector('button').disabled = false;
      if (res.status === 200 && res.data && res.data.editor) {
        input.value = '';
        token = presented;
        keep(token);
        showWork(res.data.editor, true);
        return;
      }
      if (res.status === 401) return showProblem(form, { errors: [{ pointer: '/headers/authorization', detail: 'this is not an editor token' }] });
      refused(form, res);
    },

    'open-story': async (form) => {
      const body = postingBody(form, undefined);
      delete body.type;
      const result = await submit(form, form, '/api/stories', body, false);
      if (!result) return;
      say('The story is open. Opening its desk page…');
      const page = `/desk/stories/${encodeURIComponent(result.storyId)}`;
      // The desk page answers once the story's view is projected (a moment).
      for (let attempt = 0; attempt < 12; attempt++) {
        const res = await fetch(page, { method: 'HEAD', cache: 'no-store', credentials: 'omit' }).catch(() => null);
        if (res && res.ok) break;
        await sleep(Math.min(2000, 150 * 2 ** attempt));
      }
      location.assign(page);
    },

    statement: (form) => post(form, 'statement'),
    article: (form) => post(form, 'article'),

    correction: async (form) => {
      const target = form.closest('li.desk-entry').dataset.updateId;
      const body = correctionBody(form, target);
      clearErrors(form);
      if (Object.keys(body.changes).length === 0) {
        return showGeneral(form, 'Change at least one field: a correction says what it changes.');
      }
      const result = await submit(form, form, updatesPath(), body, true);
      if (result) await written(result, `Correction published: version ${result.version}.`);
    },

    retraction: async (form) => {
      const target = form.closest('li.desk-entry').dataset.updateId;
      const result = await submit(form, form, updatesPath(), { type: 'retraction', target, reason: field(form, '/reason').value }, true);
      if (result) await written(result, `Retraction published: version ${result.version}.`);
    },

    headline: async (form) => {
      const body = { type: 'headline', headline: field(form, '/headline').value };
      const summary = field(form, '/summary').value;
      if (summary.trim() !== '') body.summary = summary;
      const result = await submit(form, form, updatesPath(), body, true);
      if (result) await written(result, `Headline changed: version ${result.version}.`);
    },

    status: async (form) => {
      const result = await submit(form, form, updatesPath(), { type: 'status', status: field(form, '/status').value }, true);
      if (result) await written(result, `Status changed: version ${result.version}.`);
    },

    reschedule: async (form) => {
      const body = { type: 'reschedule', target: form.dataset.target, releaseAt: zoned(field(form, '/releaseAt').value) };
      const result = await submit(form, form, updatesPath(), body, true);
      if (result) await written(result, `Rescheduled: version ${result.version}.`);
    },

    cancel: async (form) => {
      const body = { type: 'retraction', target: form.dataset.target, reason: field(form, '/reason').value };
      const result = await submit(form, form, updatesPath(), body, true);
      if (result) await written(result, `Release cancelled: version ${result.version}.`);
    },
  };

  async function post(form, type) {
    const body = postingBody(form, type);
    const result = await submit(form, form, updatesPath(), body, true);
    if (!result) return;
    form.reset();
    fillDefaults(form);
    const message = body.releaseAt
      ? `Scheduled: to be released at ${new Date(body.releaseAt).toLocaleString()} (version ${result.version}).`
      : `Published: version ${result.version}.`;
    await written(result, message);
  }

  document.addEventListener('submit', (event) => {
    const form = event.target.closest ? event.target.closest('form.desk-form') : null;
    if (!form || !root.contains(form)) return;
    event.preventDefault();
    const handler = handlers[form.dataset.form];
    if (handler) void handler(form);
  });

  // ── Timeline actions: key events and the pin ───────────────────────────────

  document.addEventListener('click', (event) => {
    const button = event.target.closest ? event.target.closest('button[data-action]') : null;
    if (!button || !root.contains(button)) return;
    const li = button.closest('li.desk-entry');
    const errors = li.querySelector('.action-error');
    const target = li.dataset.updateId;
    const action = button.dataset.action;
    const body =
      action === 'key-event'
        ? { type: 'key-event', target, keyEvent: button.dataset.keyEvent === 'true' }
        : action === 'pin'
          ? { type: 'pin', target }
          : { type: 'unpin' };
    const done = {
      'key-event': body.keyEvent ? 'Marked as a key event' : 'No longer a key event',
      pin: 'Pinned',
      unpin: 'Unpinned',
    }[action];
    const errorsIn = { querySelector: (s) => (s === '.form-error' ? errors : null), querySelectorAll: () => [] };
    void submit(button, errorsIn, updatesPath(), body, true).then((result) => result && written(result, `${done}: version ${result.version}.`));
  });

  const reloadButton = document.getElementById('desk-reload');
  if (reloadButton) {
    reloadButton.addEventListener('click', async () => {
      const wanted = Number(alertBox.dataset.version || 0);
      reloadButton.disabled = true;
      say('Reloading the timeline…');
      const ok = await reload(wanted);
      reloadButton.disabled = false;
      if (!ok) return;
      alertBox.hidden = true;
      say(`Timeline reloaded: version ${seenVersion()}.`);
      void loadScheduled();
    });
  }

  // ── Posting: a statement or an article ─────────────────────────────────────

  for (const radio of document.querySelectorAll('input[name="post-kind"]')) {
    radio.addEventListener('change', () => {
      for (const part of document.querySelectorAll('[data-post]')) part.hidden = part.dataset.post !== radio.value;
    });
  }
  fillDefaults(document);

  // ── Scheduled ──────────────────────────────────────────────────────────────

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'hidden') node.hidden = Boolean(value);
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function fieldNode(id, label, pointer, type) {
    const control =
      type === 'textarea'
        ? el('textarea', { id, name: id, rows: '2', 'data-pointer': pointer })
        : el('input', { id, name: id, type, 'data-pointer': pointer });
    return el(
      'div',
      { class: 'field' },
      el('label', { for: id }, label),
      control,
      el('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    );
  }

  function scheduledForm(kind, target, titleId, fields, submitLabel) {
    return el(
      'form',
      { class: 'desk-form', method: 'post', 'data-form': kind, 'data-target': target, 'aria-labelledby': titleId, novalidate: '' },
      ...fields,
      el('p', { class: 'form-error', role: 'alert', hidden: true }),
      el('button', { type: 'submit' }, submitLabel),
    );
  }

  /** What the scheduled list says of an item (`content` as corrected so far): an article's title, a statement's speaker and words. */
  function describe(item) {
    const c = item.content || {};
    if (item.kind === 'article' && c.title) return c.title;
    const speaker = c.speaker && c.speaker.name ? `${c.speaker.name}: ` : '';
    if (c.quote) return `${speaker}“${c.quote}”`;
    return c.title || (item.kind === 'article' ? 'An article' : 'A statement');
  }

  /** An instant as a datetime-local value in the editor's zone, to the second (the field has step="1"). */
  function localValue(at) {
    return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  }

  /** Armed on the soonest release listed: when it is due, the list and the timeline are read again. */
  let nextRelease;

  function watchRelease(items) {
    clearTimeout(nextRelease);
    const due = items.filter((item) => !Number.isNaN(Date.parse(item.releaseAt)));
    if (due.length === 0) return;
    const soonest = due.reduce((a, b) => (Date.parse(b.releaseAt) < Date.parse(a.releaseAt) ? b : a));
    // A little after its time, to give the server's scheduler time to record the release; while it
    // is still listed, the list is read again every 1.5 s.
    const delay = Math.min(2 ** 31 - 1, Math.max(0, Date.parse(soonest.releaseAt) - Date.now()) + 1500);
    nextRelease = setTimeout(() => void refreshAfterRelease(soonest.updateId), delay);
  }

  async function refreshAfterRelease(updateId) {
    if (!token) return;
    const before = seenVersion();
    const items = await loadScheduled();
    // Released (or cancelled elsewhere): a new version, which the timeline catches up with.
    if (items && !items.some((item) => item.updateId === updateId)) {
      if (await reload(before + 1)) say(`Released: version ${seenVersion()}.`);
    }
  }

  /**
   * Lists `GET /api/stories/{id}/scheduled`: `{storyId, scheduled: [{updateId, releaseAt, kind,
   * content, keyEvent, version, recordedAt, recordedBy}]}`, soonest first. Returns what is listed,
   * or null when the list could not be read.
   */
  async function loadScheduled() {
    const box = document.getElementById('scheduled-body');
    if (!box || !storyId || !token) return null;
    const res = await call('GET', `/api/stories/${encodeURIComponent(storyId)}/scheduled`);
    if (res.status === 401) {
      signOut('Your editor token was not accepted. Sign in again.');
      return null;
    }
    if (res.status !== 200 || !res.data || !Array.isArray(res.data.scheduled)) {
      box.replaceChildren(el('p', { class: 'small' }, 'What is scheduled could not be loaded. Reload the page in a moment.'));
      return null;
    }
    const items = res.data.scheduled.filter((item) => item && typeof item.updateId === 'string' && typeof item.releaseAt === 'string');
    watchRelease(items);
    if (items.length === 0) {
      box.replaceChildren(el('p', { class: 'small' }, 'Nothing is scheduled.'));
      return items;
    }
    const list = el('ul', { class: 'desk-scheduled' });
    items.forEach((item, n) => {
      const target = item.updateId;
      const prefix = `s${n}`; // ids from the position: an updateId is text from the server, not an id
      const at = new Date(item.releaseAt);
      const when = Number.isNaN(at.getTime()) ? item.releaseAt : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'long' });
      const label = describe(item);
      const kind = item.kind === 'article' ? 'Article' : 'Statement';
      const release = fieldNode(`${prefix}-release-at`, 'Release at', '/releaseAt', 'datetime-local');
      const input = release.querySelector('input');
      input.step = '1';
      if (!Number.isNaN(at.getTime())) input.value = localValue(at);
      list.append(
        el(
          'li',
          { 'data-update-id': target },
          el('p', {}, el('strong', {}, `${kind}${item.keyEvent ? ', key event' : ''}, release at `), el('time', { datetime: item.releaseAt }, when)),
          el('p', { dir: 'auto' }, label),
          el('h3', { id: `${prefix}-reschedule-title`, class: 'visually-hidden' }, `Reschedule ${label}`),
          scheduledForm('reschedule', target, `${prefix}-reschedule-title`, [release], 'Reschedule'),
          el('h3', { id: `${prefix}-cancel-title`, class: 'visually-hidden' }, `Cancel the release of ${label}`),
          scheduledForm(
            'cancel',
            target,
            `${prefix}-cancel-title`,
            [fieldNode(`${prefix}-reason`, 'Reason', '/reason', 'textarea')],
            'Cancel the release',
          ),
        ),
      );
    });
    box.replaceChildren(list);
    return items;
  }

  // ── Signing in and out ─────────────────────────────────────────────────────

  function showWork(editor, moveFocus) {
    const name = document.getElementById('editor-name');
    if (name) name.textContent = editor;
    signIn.hidden = true;
    signedIn.hidden = false;
    work.hidden = false;
    remember();
    if (moveFocus) {
      const heading = document.getElementById('desk-headline') || work.querySelector('h2');
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
      say(`Signed in as ${editor}.`);
    }
    void loadScheduled();
  }

  function signOut(message) {
    token = null;
    clearTimeout(nextRelease);
    keep(null);
    work.hidden = true;
    signedIn.hidden = true;
    signIn.hidden = false;
    const form = signIn.querySelector('form');
    const input = document.getElementById('editor-token');
    if (form) clearErrors(form);
    if (message && form) showGeneral(form, message);
    if (input) input.focus();
  }

  const signOutButton = document.getElementById('sign-out');
  if (signOutButton) signOutButton.addEventListener('click', () => signOut('Signed out.'));

  // A token from earlier in this tab: check it is still an editor's before showing the desk.
  if (token) {
    void call('GET', '/api/editor').then((res) => {
      if (res.status === 200 && res.data && res.data.editor) showWork(res.data.editor, false);
      else if (res.status === 0) showWork('an editor (the newsroom did not answer the check)', false);
      else signOut(res.status === 401 ? 'Your editor token was not accepted. Sign in again.' : 'Sign in again.');
    });
  }
})();
