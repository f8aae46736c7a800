/* The assessment entry grid: keyboard-only entry and the per-cell check. No inline scripts: the page opts in
   with data-grid-form, data-grid-cell and data-focus-on-load attributes. */
(function () {
  "use strict";

  function cells(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-grid-cell]"));
  }

  // Enter in a cell moves to the next pupil's cell (like Tab) instead of submitting the form; from the
  // last cell it moves to the Save button, so a second Enter saves on purpose.
  document.addEventListener("keydown", function (event) {
    var cell = event.target;
    if (event.key !== "Enter" || !cell.matches || !cell.matches("[data-grid-cell]")) {
      return;
    }
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    event.preventDefault();
    var form = cell.closest("[data-grid-form]");
    if (!form) {
      return;
    }
    var all = cells(form);
    var position = all.indexOf(cell) + (event.shiftKey ? -1 : 1);
    var next = all[position] || (event.shiftKey ? null : form.querySelector("[data-grid-submit]"));
    if (next) {
      next.focus();
      if (next.select) {
        next.select();
      }
    }
  });

  // After the htmx check of a cell, mark the cell itself: aria-invalid and the red border for a slip
  // (the reason is in the text under the cell, which the cell's aria-describedby points at).
  document.addEventListener("htmx:afterSwap", function (event) {
    var check = event.detail && event.detail.target;
    if (!check || !check.classList || !check.classList.contains("cell-check")) {
      return;
    }
    var input = document.getElementById(check.getAttribute("data-for"));
    var note = check.querySelector("[data-state]");
    if (!input || !note) {
      return;
    }
    var invalid = note.getAttribute("data-state") === "invalid";
    input.classList.toggle("is-invalid", invalid);
    var row = input.closest("tr");
    if (row) {
      row.classList.toggle("table-danger", invalid);
    }
    if (invalid) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  });

  // The summary's links jump to a cell to check and put the cursor in it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("#grid-summary a[href^='#result-']") : null;
    if (!link) {
      return;
    }
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (input) {
      event.preventDefault();
      input.focus();
      input.select();
    }
  });

  // A conflicting cell's "Use 4a" button puts the colleague's result back in the cell (it is saved with the
  // next "Save"), and the cell is checked again as if typed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-use-theirs]") : null;
    if (!button) {
      return;
    }
    var input = document.getElementById(button.getAttribute("data-for"));
    if (input) {
      input.value = button.getAttribute("data-use-theirs");
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    }
  });

  // A summary of cells to check gets focus when the page loads, so it is read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
  });
})();
