// Move keyboard and screen-reader focus to the error summary after a failed submit.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-focus-on-load]");
  if (summary) {
    summary.focus();
  }
});

// Print buttons (inline onclick would break our CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// A refused duplicate check (429: too many lookups) brings its own message: show it where
// the check's results would go (htmx leaves 4xx answers unswapped by default).
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 429) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// A results page answered to a POST stands in the history as its GET address
// (/clients/?q=<key>: the criteria stay in the session), so that Back from a record and
// reload show the results again instead of asking to resubmit the form.
document.addEventListener("DOMContentLoaded", () => {
  const search = document.querySelector("[data-search-url]");
  if (search && window.location.search === "") {
    window.history.replaceState(null, "", search.dataset.searchUrl);
  }
});

// Buttons that change much at once ask first (data-confirm holds the question): an
// inline onclick would break our CSP.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});
