/**
 * The stylesheet and the small script of billing's pages, served from /assets. The pages
 * work without the script; it only adds the live subdomain check, hides the address input
 * not chosen, and refreshes the order status while something is happening.
 */
export const STYLESHEET = `
:root { --ink: #1d2a22; --muted: #55625a; --accent: #2f6b3f; --accent-dark: #214d2d; --error: #b3261e; --line: #c9d3cc; --soft: #f3f6f3; }
* { box-sizing: border-box; }
body { margin: 0; font: 1.0625rem/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fff; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; }
header.site, footer.site { padding: 1rem 1.25rem; background: var(--soft); }
footer.site { margin-top: 3rem; color: var(--muted); font-size: .9rem; }
.brand { font-weight: 700; font-size: 1.25rem; color: var(--accent-dark); text-decoration: none; }
header.site { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1.5rem; }
nav.site ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.25rem; }
nav.site a { color: var(--accent-dark); }
form.inline { display: inline; margin: 0; }
button.link, button.link:hover { background: none; color: var(--accent-dark); text-decoration: underline; padding: 0; font-weight: 400; border-radius: 0; }
.plan .plan-details { grid-column: 2; } .plan-details p { margin: .2rem 0 0; }
ul.includes { margin: .4rem 0 0; padding-left: 1.2rem; } ul.includes li { margin: .15rem 0; }
.notice { border-left: 4px solid var(--accent); background: var(--soft); padding: .5rem .9rem; }
main { max-width: 44rem; margin: 0 auto; padding: 1.5rem 1.25rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: .5rem 0 1rem; }
h2 { font-size: 1.3rem; margin: 1.75rem 0 .5rem; }
fieldset { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 0 0 1.5rem; }
legend { font-weight: 700; font-size: 1.15rem; padding: 0 .35rem; }
label { display: block; font-weight: 600; }
.hint { margin: .1rem 0 .35rem; color: var(--muted); font-size: .95rem; }
.field { margin: 0 0 1.1rem; }
input[type=text], input[type=email], input[type=password] { width: 100%; max-width: 30rem; font: inherit; padding: .5rem .6rem; border: 2px solid #7b8a80; border-radius: 6px; }
input:focus, button:focus, a:focus { outline: 3px solid #f2c94c; outline-offset: 1px; }
.has-error input { border-color: var(--error); }
.error { color: var(--error); font-weight: 600; margin: .15rem 0 .35rem; }
.error-summary { border: 3px solid var(--error); border-radius: 8px; padding: .75rem 1.25rem; margin: 0 0 1.5rem; }
.error-summary h2 { margin-top: 0; font-size: 1.15rem; } .error-summary a { color: var(--error); }
.plans { display: grid; gap: .75rem; }
.plan { border: 2px solid var(--line); border-radius: 8px; padding: .75rem 1rem; display: grid; grid-template-columns: auto 1fr; column-gap: .75rem; }
.plan:has(input:checked) { border-color: var(--accent); background: #eef5ef; }
.plan input { margin-top: .35rem; width: 1.2rem; height: 1.2rem; }
.plan .price { font-weight: 700; } .plan p { margin: .2rem 0 0; grid-column: 2; }
.choice { display: flex; gap: .6rem; align-items: flex-start; margin: .35rem 0; }
.choice input { width: 1.2rem; height: 1.2rem; margin-top: .25rem; flex: none; } .choice label { font-weight: 400; }
.suffix { color: var(--muted); }
.availability { min-height: 1.5em; margin: .3rem 0 0; font-weight: 600; } .availability.ok { color: var(--accent); } .availability.taken { color: var(--error); }
button, .button { display: inline-block; font: inherit; font-weight: 700; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: .7rem 1.4rem; cursor: pointer; text-decoration: none; }
button:hover, .button:hover { background: var(--accent-dark); }
.note { color: var(--muted); }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0; }
dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; }
.status { border-left: 6px solid var(--accent); background: var(--soft); padding: .75rem 1.25rem; border-radius: 0 8px 8px 0; margin: 1.25rem 0; }
.status.warning { border-color: #c77700; } .status.problem { border-color: var(--error); }
.status h2 { margin-top: .25rem; }
progress { width: 100%; height: 1rem; }
ol.steps { padding-left: 1.25rem; } ol.steps li span { color: var(--muted); }
ol.steps li.done span { color: var(--accent); } ol.steps li.failed span { color: var(--error); }
.addresses table, .records, .readiness { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
.records th, .records td, .readiness th, .readiness td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
.records td { font-family: ui-monospace, monospace; word-break: break-all; }
button.secondary { background: #fff; color: var(--accent-dark); border: 2px solid var(--accent); padding: .5rem 1rem; margin-left: .5rem; }
button.secondary:hover { background: var(--soft); }
.instance, .order { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1.25rem; margin: 1rem 0; }
.instance .app { border-top: 1px solid var(--line); padding-top: .5rem; margin-top: .75rem; }
h3 { font-size: 1.15rem; margin: 1.25rem 0 .4rem; } h4 { font-size: 1.05rem; margin: 1rem 0 .35rem; }
ul.sections { list-style: none; padding: 0; display: flex; gap: 1.25rem; flex-wrap: wrap; }
ul.clubs { list-style: none; padding: 0; } ul.clubs li.club { border-bottom: 1px solid var(--line); padding-bottom: .5rem; }
form.inline { display: inline; } form.inline button.secondary { margin-left: 0; }
dl.roles dt { font-weight: 600; } dl.roles dd { margin: 0 0 .5rem; }
code.secret { font-size: 1.15rem; background: var(--soft); padding: .15rem .4rem; border-radius: 4px; }
table.list { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .95rem; }
table.list th, table.list td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
/* the operators' console: wide tables, a page at a time */
main:has(> .console) { max-width: 80rem; }
.console-nav ul { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; gap: 1rem; flex-wrap: wrap; }
.console-nav a[aria-current=page] { font-weight: 700; color: var(--ink); }
.table-scroll { overflow-x: auto; }
.console-table td { font-family: inherit; word-break: normal; overflow-wrap: break-word; } .console-table td.details { overflow-wrap: anywhere; }
.console-table td.mono, .console .mono { font-family: ui-monospace, monospace; }
.console-table td.actions, .console-table .nowrap { white-space: nowrap; }
.console-table td.actions button { padding: .4rem .8rem; margin: 0 .35rem .35rem 0; }
.console .filters fieldset { display: flex; flex-wrap: wrap; gap: 0 1.25rem; align-items: flex-end; }
.console .filters .field, .console .filters .actions { margin-bottom: .75rem; } .console .filters .actions a { margin-left: .75rem; }
.console select { font: inherit; padding: .45rem .5rem; border: 2px solid #7b8a80; border-radius: 6px; background: #fff; }
.console .notice { border-left: 6px solid var(--accent); background: var(--soft); padding: .5rem 1rem; }
.console .error-text { color: var(--error); }
.console .pager { display: flex; gap: 1.5rem; }
.console ul.operations { list-style: none; padding: 0; } .console ul.operations li.operation { border-top: 1px solid var(--line); padding: .5rem 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

export const SCRIPT = `
(function () {
  'use strict';
  function debounce(fn, ms) { var t; return function () { clearTimeout(t); t = setTimeout(fn, ms); }; }

  // Address: show only the input of the chosen kind.
  var kinds = document.querySelectorAll('input[name="addressKind"]');
  function showChosenAddress() {
    for (var i = 0; i < kinds.length; i++) {
      var block = document.getElementById(kinds[i].value + '-block');
      if (block) block.hidden = !kinds[i].checked;
    }
  }
  for (var k = 0; k < kinds.length; k++) kinds[k].addEventListener('change', showChosenAddress);
  if (kinds.length) showChosenAddress();

  // Subdomain: a live availability check; the server checks again on submit.
  var input = document.getElementById('subdomain');
  var status = document.getElementById('subdomain-availability');
  if (input && status) {
    var check = debounce(function () {
      var name = input.value.trim().toLowerCase();
      if (!name) { status.textContent = ''; status.className = 'availability'; return; }
      status.textContent = status.getAttribute('data-checking');
      fetch('/api/v1/subdomain-availability?name=' + encodeURIComponent(name), { headers: { Accept: 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (result) {
          if (input.value.trim().toLowerCase() !== name) return;
          if (result.available) {
            status.textContent = status.getAttribute('data-available').replace('{domain}', result.domain);
            status.className = 'availability ok';
          } else {
            status.textContent = status.getAttribute('data-unavailable').replace('{reason}', result.reason);
            status.className = 'availability taken';
          }
        })
        .catch(function () { status.textContent = ''; });
    }, 350);
    input.addEventListener('input', check);
  }

  // Order status: refresh while the page says something is happening.
  var live = document.querySelector('[data-poll]');
  if (live) {
    var url = live.getAttribute('data-poll');
    var poll = function () {
      fetch(url, { headers: { Accept: 'text/html' } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (fragment) {
          if (fragment !== live.innerHTML) live.innerHTML = fragment;
          var state = live.querySelector('[data-phase]');
          if (state && state.getAttribute('data-final') === 'true') return;
          // waiting for a bank transfer takes days: ask less often
          setTimeout(poll, state && state.getAttribute('data-poll-seconds') ? Number(state.getAttribute('data-poll-seconds')) * 1000 : 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    var first = live.querySelector('[data-phase]');
    if (!first || first.getAttribute('data-final') !== 'true') setTimeout(poll, 2000);
  }

  // Club dashboard: the server sends a live part of the page whenever it changes (server-sent
  // events); without the script the page refreshes itself. A part the person is working in
  // (focus inside) is replaced once the focus leaves it.
  var stream = document.querySelector('[data-live-events]');
  if (stream && window.EventSource) {
    stream.hidden = false;
    var waiting = {};
    var replace = function (id, content, hash) {
      var part = document.querySelector('[data-live="' + id + '"]');
      if (!part || part.getAttribute('data-live-hash') === hash) return;
      if (part.contains(document.activeElement)) { waiting[id] = [content, hash]; return; }
      part.innerHTML = content;
      part.setAttribute('data-live-hash', hash);
    };
    document.addEventListener('focusout', function () {
      setTimeout(function () {
        for (var id in waiting) { var next = waiting[id]; delete waiting[id]; replace(id, next[0], next[1]); }
      }, 0);
    });
    var source = new EventSource(stream.getAttribute('data-live-events'));
    source.addEventListener('section', function (event) {
      try { var data = JSON.parse(event.data); replace(data.id, data.html, data.hash); } catch (e) { /* a broken event changes nothing */ }
    });
    // the session ended or the club is no longer the person's: the page says what now
    source.addEventListener('expired', function () { source.close(); window.location.reload(); });
    source.addEventListener('error', function () { if (source.readyState === 2) setTimeout(function () { window.location.reload(); }, 5000); });
  }
})();
`;
