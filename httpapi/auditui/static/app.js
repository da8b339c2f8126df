// The audit page: a customer's timeline with field-level changes, the customer as of any
// version or time, and the ledger-wide audit query. Everything it shows comes from the ledger's
// JSON API, asked with the user's bearer token; it builds the DOM with textContent only, its
// invisible formatting characters shown as marks (shown).
'use strict';

(() => {
  const API = '/ledger/customer/v1/';
  const TOKEN_KEY = 'ledger-audit-token';
  // Events a page asks for: 50, or the address's limit (1 to 1000).
  const PAGE = (() => {
    const n = Number(new URLSearchParams(location.search).get('limit'));
    return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 50;
  })();
  const PARALLEL = 4;     // past states fetched at once
  const EXPAND = 'legaladdress,billingaddress';
  // Members of the customer resource that are links or hypermedia, not data.
  const NOT_DATA = new Set(['@id', 'operations', 'surpluses']);

  const $ = (id) => document.getElementById(id);

  // ---- the token ----------------------------------------------------------------------------

  // A token in the fragment (#token=...) is kept and removed from the address bar and history.
  function takeTokenFromFragment() {
    if (location.hash.length < 2) return;
    const p = new URLSearchParams(location.hash.slice(1));
    const t = (p.get('token') || '').trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    history.replaceState(null, '', location.pathname + location.search);
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  // claims decodes the token's payload for display only; the server verifies it.
  function claims(tok) {
    try {
      let b64 = tok.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      b64 += '='.repeat((4 - b64.length % 4) % 4);
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const c = JSON.parse(new TextDecoder().decode(bytes));
      return c && typeof c === 'object' ? c : null;
    } catch (e) {
      return null;
    }
  }

  function tokenLedgers(c) {
    if (!c) return [];
    if (Array.isArray(c.ledgers)) return c.ledgers.map(String);
    return typeof c.ledgers === 'string' ? [c.ledgers] : [];
  }

  // ---- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem, message) {
      super(message);
      this.status = status;
      this.problem = problem;
    }
  }

  // get asks the API and returns {body, headers}; a problem becomes an ApiError with its words.
  async function get(path) {
    let resp;
    try {
      resp = await fetch(path, {
        headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' },
        cache: 'no-store', credentials: 'omit', redirect: 'error',
      });
    } catch (e) {
      throw new ApiError(0, null, 'The ledger API could not be reached: ' + e.message);
    }
    const text = await resp.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!resp.ok) {
      if (body && typeof body === 'object' && body.type) {
        let msg = resp.status + ' ' + (body.title || resp.statusText);
        if (body.detail) msg += ': ' + body.detail;
        for (const p of body.problems || []) msg += '\n' + p.name + ': ' + p.description;
        throw new ApiError(resp.status, body, msg);
      }
      throw new ApiError(resp.status, null, resp.status + ' ' + resp.statusText);
    }
    if (body === null) throw new ApiError(resp.status, null, 'The ledger API answered no JSON');
    return { body, headers: resp.headers };
  }

  const enc = encodeURIComponent;
  const ledgerBase = (ledger) => API + enc(ledger);
  const customerPath = (ledger, no) => ledgerBase(ledger) + '/customers/' + enc(no);

  // ---- page state ---------------------------------------------------------------------------

  let generation = 0; // a newer action makes the results of older ones stale
  const tl = { ledger: '', customer: '', next: '', states: new Map(), events: new Map(), selected: 0, gone: null };
  const lv = { next: '' };

  function setState(s) { document.body.dataset.state = s; }

  function showError(err) {
    const el = $('error');
    el.textContent = shown(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    el.hidden = false;
    $('status').textContent = '';
    setState('error');
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
  }

  function busy(msg) {
    clearError();
    $('status').textContent = msg;
    setState('loading');
  }

  function done(msg) {
    $('status').textContent = msg || '';
    setState('ready');
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = shown(String(text));
    return e;
  }

  // INVISIBLE matches the formatting characters that show nothing themselves but change the
  // text around them: the bidirectional marks, embeddings, overrides and isolates (a right-to-
  // left override makes "Mallory \u202Egnp.exe" read "Mallory exe.gnp", and the rest of an
  // event's data line after it read backwards), the zero-width spaces and joiners, the word
  // joiner and the byte-order mark.
  const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

  // shown is text as the page shows it: each invisible formatting character as a visible mark
  // (⟨U+202E⟩), so that an auditor reads what the event holds, in the order it holds it.
  function shown(text) {
    return text.replace(INVISIBLE, c => '⟨U+' + c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0') + '⟩');
  }

  // readableTime shows an API time (RFC 3339 in UTC, to the nanosecond) to the second:
  // 2026-03-01T08:02:00.123456789Z → 2026-03-01 08:02:00 UTC.
  function readableTime(t) {
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(\.\d+)?Z$/.exec(t || '');
    return m ? m[1] + ' ' + m[2] + ' UTC' : String(t || '—');
  }

  // timeEl is a time element showing t readably, the exact time on hover (title) and in its
  // datetime attribute.
  function timeEl(cls, t) {
    const e = el('time', cls, readableTime(t));
    if (t) {
      e.dateTime = t;
      e.title = t;
    }
    return e;
  }

  // fieldName shows a field path (legalAddress.zipCode) with a line-break opportunity after each
  // dot, so that a long one wraps at its parts rather than running into the next column.
  function fieldName(name) {
    const parts = name.split('.');
    const out = [];
    parts.forEach((p, i) => {
      out.push(document.createTextNode(i < parts.length - 1 ? p + '.' : p));
      if (i < parts.length - 1) out.push(document.createElement('wbr'));
    });
    return out;
  }

  // dataText is an event's data as one line of JSON with a space after each comma and colon,
  // so that it wraps between members rather than inside them.
  function dataText(v) {
    if (Array.isArray(v)) return '[' + v.map(dataText).join(', ') + ']';
    if (v !== null && typeof v === 'object') {
      return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ': ' + dataText(x)).join(', ') + '}';
    }
    return JSON.stringify(v === undefined ? null : v);
  }

  // The page's address holds what it shows (never the token), so it can be bookmarked.
  function setAddress(params) {
    const q = new URLSearchParams();
    if (PAGE !== 50) q.set('limit', String(PAGE));
    for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
    const s = q.toString();
    history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
  }

  // ---- field-level changes ------------------------------------------------------------------

  // flatten lists a customer resource's data as field path → text (absent and null: no entry;
  // an empty list is no entry either).
  function flatten(v, prefix, out) {
    if (v === null || v === undefined) return out;
    for (const [k, x] of Object.entries(v)) {
      if (NOT_DATA.has(k)) continue;
      const name = prefix ? prefix + '.' + k : k;
      if (x === null || x === undefined) continue;
      if (Array.isArray(x)) {
        if (x.length) out.set(name, x.map((y) => (typeof y === 'object' ? JSON.stringify(y) : String(y))).join(', '));
      } else if (typeof x === 'object') {
        flatten(x, name, out);
      } else {
        out.set(name, String(x));
      }
    }
    return out;
  }

  // changes compares two states of the customer (before null: it did not exist yet).
  function changes(before, after) {
    const a = flatten(before, '', new Map());
    const b = flatten(after, '', new Map());
    const names = [...b.keys()];
    for (const k of a.keys()) if (!b.has(k)) names.push(k);
    return names.filter((n) => a.get(n) !== b.get(n)).map((n) => ({ field: n, before: a.get(n), after: b.get(n) }));
  }

  // ---- the customer timeline ----------------------------------------------------------------

  // ERASED stands for a past state of a forgotten customer: the API answers each with 410 (its
  // personal data is erased), and the timeline shows the events' erased members instead.
  const ERASED = Object.freeze({ erased: true });

  // stateAt returns the customer as the API answered right after version v (null for 0;
  // ERASED when the customer was forgotten, the API's problem kept in tl.gone).
  async function stateAt(v) {
    if (v < 1) return null;
    const states = tl.states;
    if (!states.has(v)) { // the promise is kept: concurrent askers share one request
      states.set(v, get(customerPath(tl.ledger, tl.customer) + '?asOfVersion=' + v + '&$expand=' + EXPAND)
        .then((r) => r.body, (e) => {
          if (e instanceof ApiError && e.status === 410) {
            tl.gone = e;
            return ERASED;
          }
          states.delete(v);
          throw e;
        }));
    }
    return states.get(v);
  }

  async function statesFor(versions) {
    const queue = [...versions];
    const worker = async () => {
      while (queue.length) await stateAt(queue.shift());
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  async function showTimeline(ledger, customer, version) {
    const gen = ++generation;
    if (!ledger || !customer) {
      showError(new Error('Enter a ledger number and a customer number.'));
      return;
    }
    Object.assign(tl, { ledger, customer, next: '', states: new Map(), events: new Map(), selected: 0, gone: null });
    $('timeline').replaceChildren();
    $('timeline').classList.remove('loaded');
    $('timeline-more').hidden = true;
    $('timeline-pane').hidden = true; // shown with the first page: an error leaves no empty timeline
    $('asof').hidden = true;
    setAddress({ ledger, customer, version });
    busy('Loading the timeline of customer ' + customer + '…');
    try {
      await timelinePage(gen, customerPath(ledger, customer) + '/events?limit=' + PAGE);
      if (gen !== generation) return;
      const v = Number(version);
      if (v > 0) await showAsOfVersion(v);
      else done();
    } catch (e) {
      if (gen === generation) showError(e);
    }
  }

  async function timelinePage(gen, target) {
    const { body } = await get(target);
    if (gen !== generation) return;
    const items = body.items || [];
    const versions = new Set();
    for (const ev of items) {
      versions.add(ev.version);
      if (ev.version > 1) versions.add(ev.version - 1);
    }
    await statesFor([...versions].sort((x, y) => x - y));
    if (gen !== generation) return;
    const list = $('timeline');
    for (const ev of items) {
      tl.events.set(ev.version, ev);
      const before = await stateAt(ev.version - 1);
      const after = await stateAt(ev.version);
      list.append(timelineEntry(ev, before === ERASED || after === ERASED ? null : changes(before, after)));
    }
    tl.next = (body.navigation && body.navigation.next) || '';
    $('timeline-more').hidden = !tl.next;
    list.classList.add('loaded');
    const n = tl.events.size;
    $('timeline-title').textContent = 'Timeline of customer ' + shown(String(tl.customer)) + ' (' + n + (n === 1 ? ' event' : ' events') + (tl.next ? ', more to load' : '') + ')';
    $('timeline-pane').hidden = false;
  }

  function timelineEntry(ev, diff) {
    const li = el('li', 'event');
    li.dataset.version = ev.version;
    const head = el('button', 'event-head');
    head.type = 'button';
    head.title = 'Show the customer as of version ' + ev.version;
    head.setAttribute('aria-pressed', 'false');
    head.append(el('span', 'version', 'v' + ev.version), timeEl('when', ev.time), el('span', 'type', ev.type));
    head.addEventListener('click', () => { showAsOfVersion(ev.version).catch(showError); });
    li.append(head);

    const meta = el('dl', 'meta');
    meta.append(el('dt', '', 'Who'), el('dd', 'actor', ev.actor || '—'),
      el('dt', '', 'Correlation id'), el('dd', 'correlation', ev.correlationId || '—'),
      el('dt', '', 'Position'), el('dd', 'position', ev.position));
    li.append(meta);

    if (diff === null) { // forgotten: no past state to compare, the event's erased members
      li.append(ev.erased && ev.erased.length
        ? el('p', 'erased', 'Erased (the customer was forgotten): ' + ev.erased.join(', '))
        : el('p', 'nochange', 'The customer was forgotten: its past states are erased.'));
    } else if (diff.length) {
      const table = el('table', 'diff');
      const head2 = el('tr');
      head2.append(el('th', '', 'Field'), el('th', '', 'Before'), el('th', 'arrow', ''), el('th', '', 'After'));
      table.append(el('thead'));
      table.tHead.append(head2);
      const body = el('tbody');
      for (const c of diff) {
        const tr = el('tr');
        tr.dataset.field = c.field;
        tr.className = c.before === undefined ? 'added' : c.after === undefined ? 'removed' : 'changed';
        const name = el('th', 'field');
        name.append(...fieldName(c.field));
        tr.append(name, valueCell('old', c.before), el('td', 'arrow', '→'), valueCell('new', c.after));
        body.append(tr);
      }
      table.append(body);
      li.append(table);
    } else {
      li.append(el('p', 'nochange', ev.dataWithheld
        ? 'No change to the customer resource shown (data withheld).'
        : 'No change to the customer resource: the event is recorded in the trail.'));
    }
    const details = el('details', 'data');
    details.append(el('summary', '', 'Event data'),
      el('pre', '', ev.dataWithheld ? '(withheld: protected identity)' : JSON.stringify(ev.data, null, 2)));
    li.append(details);
    return li;
  }

  function valueCell(cls, v) {
    return el('td', cls + (v === undefined ? ' absent' : ''), v === undefined ? '—' : v);
  }

  async function moreTimeline() {
    if (!tl.next) return;
    const gen = generation;
    busy('Loading later events…');
    try {
      await timelinePage(gen, tl.next);
      if (gen === generation) done();
    } catch (e) {
      if (gen === generation) showError(e);
    }
  }

  function select(version) {
    tl.selected = version;
    for (const li of $('timeline').children) {
      const on = Number(li.dataset.version) === version;
      li.classList.toggle('selected', on);
      li.querySelector('.event-head').setAttribute('aria-pressed', String(on));
    }
  }

  async function showAsOfVersion(v) {
    const gen = generation;
    busy('Loading the customer as of version ' + v + '…');
    const state = await stateAt(v);
    if (gen !== generation) return;
    if (state === ERASED) throw tl.gone; // the API's 410: forgotten, its past states erased
    const ev = tl.events.get(v);
    renderAsOf(state, 'as of version ' + v,
      ev ? 'Right after ' + ev.type + ' by ' + (ev.actor || '—') + ' at ' + readableTime(ev.time) : '');
    select(v);
    setAddress({ ledger: tl.ledger, customer: tl.customer, version: String(v) });
    done();
  }

  async function showAsOfTime(value) {
    if (!value) return;
    const at = toUTC(value);
    const gen = generation;
    busy('Loading the customer as of ' + at + '…');
    try {
      const { body, headers } = await get(customerPath(tl.ledger, tl.customer) + '?asOf=' + enc(at) + '&$expand=' + EXPAND);
      if (gen !== generation) return;
      const v = Number((headers.get('ETag') || '').replace(/\D/g, ''));
      renderAsOf(body, 'as of ' + at, v ? 'Version ' + v + ': the last change by then' : '');
      select(v);
      done();
    } catch (e) {
      if (gen === generation) showError(e);
    }
  }

  function renderAsOf(state, when, meta) {
    $('asof-title').textContent = 'Customer ' + shown(String(tl.customer)) + ' ' + when;
    $('asof-meta').textContent = meta;
    const body = $('asof-fields').tBodies[0];
    body.replaceChildren();
    for (const [k, v] of flatten(state, '', new Map())) {
      const tr = el('tr');
      tr.dataset.field = k;
      const name = el('th');
      name.append(...fieldName(k));
      tr.append(name, el('td', '', v));
      body.append(tr);
    }
    $('asof-json').textContent = shown(JSON.stringify(state, null, 2));
    $('asof').hidden = false;
  }

  // toUTC reads a datetime-local value as UTC (the times the page shows are UTC).
  function toUTC(v) {
    const withSeconds = /T\d\d:\d\d$/.test(v) ? v + ':00' : v;
    return withSeconds + 'Z';
  }

  // ---- the ledger-wide audit query ----------------------------------------------------------

  function eventsQuery() {
    const q = new URLSearchParams();
    const set = (name, v) => { if (v) q.set(name, v); };
    set('type', $('f-type').value.trim());
    set('actor', $('f-actor').value.trim());
    set('correlationId', $('f-correlation').value.trim());
    set('since', $('f-since').value ? toUTC($('f-since').value) : '');
    set('until', $('f-until').value ? toUTC($('f-until').value) : '');
    set('fromPosition', $('f-from').value.trim());
    return q;
  }

  async function showLedgerEvents() {
    const gen = ++generation;
    const ledger = $('ledger').value.trim();
    if (!ledger) {
      showError(new Error('Enter a ledger number.'));
      return;
    }
    const q = eventsQuery();
    setAddress(Object.assign({ view: 'events', ledger }, Object.fromEntries(q)));
    $('events').tBodies[0].replaceChildren();
    $('events').classList.remove('loaded');
    $('events-more').hidden = true;
    busy('Searching the ledger\'s events…');
    q.set('limit', String(PAGE));
    try {
      await eventsPages(gen, ledgerBase(ledger) + '/events?' + q.toString());
    } catch (e) {
      if (gen === generation) showError(e);
    }
  }

  // eventsPages shows pages until one holds events or there is no next (a page of the audit
  // index may be empty and still have a next).
  async function eventsPages(gen, target) {
    let shown = 0;
    for (let i = 0; target && i < 20 && shown === 0; i++) {
      const { body } = await get(target);
      if (gen !== generation) return;
      for (const ev of body.items || []) {
        $('events').tBodies[0].append(...eventRows(ev));
        shown++;
      }
      target = (body.navigation && body.navigation.next) || '';
    }
    lv.next = target;
    $('events-more').hidden = !target;
    $('events').classList.add('loaded');
    done($('events').tBodies[0].rows.length ? '' : 'No events match.');
  }

  // eventRows are an event's two rows: what happened, by whom and when; then its data, as wide
  // as the table.
  function eventRows(ev) {
    const tr = el('tr', 'event');
    tr.dataset.position = ev.position;
    const m = /^[^/]+\/customers\/(.+)$/.exec(ev.stream || '');
    const cust = el('td', 'customer');
    if (m) {
      const b = el('button', 'link', m[1]);
      b.type = 'button';
      b.title = 'Show the timeline of customer ' + m[1];
      b.addEventListener('click', () => { $('customer').value = m[1]; view('customer'); showTimeline($('ledger').value.trim(), m[1], String(ev.version)); });
      cust.append(b);
    } else {
      cust.append((ev.stream || '').replace(/^[^/]+\//, ''));
    }
    cust.append(' ', el('span', 'version', 'v' + ev.version)); // the stream's version, as the timeline names it
    const cid = el('td', 'correlation');
    if (ev.correlationId) {
      const b = el('button', 'link', ev.correlationId);
      b.type = 'button';
      b.title = 'Every event of this correlation id';
      b.addEventListener('click', () => {
        for (const id of ['f-type', 'f-actor', 'f-since', 'f-until', 'f-from']) $(id).value = '';
        $('f-correlation').value = ev.correlationId;
        showLedgerEvents();
      });
      cid.append(b);
    }
    const when = el('td', 'when');
    when.title = ev.time;
    when.append(timeEl('', ev.time));
    tr.append(el('td', 'position', ev.position), when, cust, el('td', 'type', ev.type), el('td', 'actor', ev.actor || '—'), cid);
    const dataRow = el('tr', 'data-row');
    const data = el('td', 'data');
    data.colSpan = tr.cells.length;
    data.append(el('code', '', ev.dataWithheld ? '(withheld: protected identity)' : dataText(ev.data)));
    dataRow.append(data);
    return [tr, dataRow];
  }

  async function moreEvents() {
    if (!lv.next) return;
    const gen = generation;
    busy('Loading more events…');
    try {
      await eventsPages(gen, lv.next);
    } catch (e) {
      if (gen === generation) showError(e);
    }
  }

  // ---- wiring -------------------------------------------------------------------------------

  function view(name) {
    $('customer-view').hidden = name !== 'customer';
    $('ledger-view').hidden = name !== 'events';
    $('view-customer').setAttribute('aria-pressed', String(name === 'customer'));
    $('view-ledger').setAttribute('aria-pressed', String(name === 'events'));
  }

  function signedIn() {
    const c = claims(token());
    const parts = [];
    if (c) {
      parts.push('Signed in as ' + (c.sub || '(no sub)'));
      const ledgers = tokenLedgers(c);
      if (ledgers.length) parts.push('ledgers ' + ledgers.join(', '));
      if (c.scope) parts.push('scopes ' + c.scope);
      if (c.exp) {
        const exp = new Date(c.exp * 1000);
        parts.push((exp < new Date() ? 'EXPIRED ' : 'expires ') + exp.toISOString().replace('.000Z', 'Z'));
      }
    } else {
      parts.push('A token that is not a JWT is set');
    }
    $('whoami').textContent = shown(parts.join(' · '));
    $('session').hidden = false;
    $('login').hidden = true;
    $('app').hidden = false;
  }

  function start() {
    takeTokenFromFragment();
    $('token-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const t = $('token').value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      $('token').value = '';
      start2();
    });
    $('forget').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      generation++;
      location.replace(location.pathname);
    });
    $('view-customer').addEventListener('click', () => view('customer'));
    $('view-ledger').addEventListener('click', () => view('events'));
    $('customer-form').addEventListener('submit', (e) => {
      e.preventDefault();
      showTimeline($('ledger').value.trim(), $('customer').value.trim(), '');
    });
    $('timeline-more').addEventListener('click', moreTimeline);
    $('asof-form').addEventListener('submit', (e) => { e.preventDefault(); showAsOfTime($('asof-time').value); });
    $('events-form').addEventListener('submit', (e) => { e.preventDefault(); showLedgerEvents(); });
    $('events-more').addEventListener('click', moreEvents);
    start2();
  }

  // start2 shows the sign-in form, or the app and what the address asks for.
  function start2() {
    if (!token()) {
      $('login').hidden = false;
      $('app').hidden = true;
      $('session').hidden = true;
      setState('signed-out');
      return;
    }
    signedIn();
    const q = new URLSearchParams(location.search);
    const ledgers = tokenLedgers(claims(token())).filter((l) => l !== '*');
    $('ledger').value = q.get('ledger') || (ledgers.length === 1 ? ledgers[0] : '');
    if (q.get('view') === 'events') {
      view('events');
      const fill = { 'f-type': 'type', 'f-actor': 'actor', 'f-correlation': 'correlationId', 'f-from': 'fromPosition' };
      for (const [id, name] of Object.entries(fill)) $(id).value = q.get(name) || '';
      for (const [id, name] of [['f-since', 'since'], ['f-until', 'until']]) {
        $(id).value = (q.get(name) || '').replace(/(\.\d+)?Z$/, '');
      }
      if ($('ledger').value) showLedgerEvents();
      else done();
      return;
    }
    view('customer');
    $('customer').value = q.get('customer') || '';
    if ($('ledger').value && $('customer').value) showTimeline($('ledger').value.trim(), $('customer').value.trim(), q.get('version') || '');
    else done();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
