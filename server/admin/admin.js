// The admin pages' only script, served same-origin (CSP script-src 'self').
// 1. Request page: polls progress.json (a second after each answer) and updates the
//    <progress> bar and its text; when the status changes (e.g. the person
//    confirms) it reloads once for the new next steps, and once the status
//    is final it stops and reloads to show the results and downloads.
// 2. List page: shows and wires the "select all" checkbox.
// 3. Actions that cannot be taken back (a form's data-confirm, or the chosen
//    bulk action's) ask first; "Cancel" in the dialog sends nothing.
// The pages work without it: the progress then updates on reload.

'use strict';

(() => {
  const box = document.getElementById('progress');
  if (box) {
    const url = box.getAttribute('data-url');
    const bar = document.getElementById('progress-bar');
    const text = document.getElementById('progress-text');
    let done = false;
    const poll = () => {
      // A poll that hangs gives up after 10 s, so the next one still comes.
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(10000) })
        .then((response) => {
          if (response.status === 401) {
            done = true;
            window.location.reload(); // session ended: the page sends to the login form
            throw new Error('signed out');
          }
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return response.json();
        })
        .then((state) => {
          bar.max = state.max;
          bar.value = state.value;
          bar.textContent = `${Math.round((state.value / state.max) * 100)}%`;
          if (text.textContent !== state.text) text.textContent = state.text;
          // A new status brings other next steps: reload once to show them (and, when final, the results).
          if (state.final || state.status !== box.getAttribute('data-status')) {
            done = true;
            window.location.reload();
          }
        })
        .catch(() => {
          /* a missed poll: the next one tries again */
        })
        .then(() => {
          // One poll at a time: the next starts a second after this one answered, however slow the server.
          if (!done) setTimeout(poll, 1000);
        });
    };
    // The page was rendered just now: the first poll can wait a second.
    setTimeout(poll, 1000);
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    let question = form.getAttribute('data-confirm');
    const bulk = form.querySelector('select[name="bulk_action"]');
    if (bulk && bulk.selectedIndex >= 0) question = bulk.options[bulk.selectedIndex].getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  const all = document.getElementById('select-all');
  if (all) {
    const boxes = document.querySelectorAll('input[name="request_id"]');
    all.hidden = boxes.length === 0;
    all.addEventListener('change', () => {
      boxes.forEach((b) => {
        b.checked = all.checked;
      });
    });
  }
})();
