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
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    var first = live.querySelector('[data-phase]');
    if (!first || first.getAttribute('data-final') !== 'true') setTimeout(poll, 2000);
  }
})();
`;
