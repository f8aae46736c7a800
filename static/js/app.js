/* sencotrack: behaviour shared by every page. No inline scripts anywhere: pages opt in with data-* attributes. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry Django's CSRF token (the meta tag is rendered by base.html).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // The menu button (data-bs-toggle="collapse") and a message's close button (data-bs-dismiss="alert"):
  // the only two behaviours of Bootstrap's JavaScript sencotrack used, 15 KB on every first visit.
  // Bootstrap's CSS does the rest (.collapse hides #main-nav until it has .show; wide screens always show it).
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest ? event.target.closest('[data-bs-toggle="collapse"]') : null;
    if (toggle) {
      var target = document.querySelector(toggle.getAttribute("data-bs-target"));
      if (target) {
        var open = target.classList.toggle("show");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        toggle.classList.toggle("collapsed", !open);
      }
      return;
    }
    var dismiss = event.target.closest ? event.target.closest('[data-bs-dismiss="alert"]') : null;
    var message = dismiss ? dismiss.closest(".alert") : null;
    if (message) {
      message.remove();
    }
  });

  // <form data-confirm="Delete this comment?"> or <button data-confirm="..."> asks before submitting.
  // (htmx elements use hx-confirm, which htmx handles itself.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // <a data-confirm="..."> for links that lead to a destructive page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-confirm]") : null;
    if (link && !window.confirm(link.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <button data-fill-username="alice">: fills the sign-in form's username (the demo logins box).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-fill-username]") : null;
    if (!button) {
      return;
    }
    var field = document.getElementById("id_username");
    var password = document.getElementById("id_password");
    if (field) {
      field.value = button.getAttribute("data-fill-username");
      (password || field).focus();
    }
  });
})();

/* Accessibility helpers shared by every page. */
(function () {
  "use strict";

  // A box that scrolls sideways (a wide table on a phone) must be reachable by keyboard, and say
  // what it holds (WCAG 2.1.1): it becomes a focusable, named region while, and only while, it
  // scrolls. Named by the table's caption, else the heading of the section it is in.
  var SCROLLERS = ".table-responsive, .overflow-auto, .overflow-x-auto";

  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) {
      return caption.textContent.replace(/\s+/g, " ").trim();
    }
    var section = box.closest("[aria-labelledby]");
    var heading = section && document.getElementById(section.getAttribute("aria-labelledby").split(" ")[0]);
    if (heading && heading.textContent.trim()) {
      return heading.textContent.replace(/\s+/g, " ").trim();
    }
    return "Table";
  }

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var ours = box.hasAttribute("data-scroll-region");
      if (scrolls && !ours && !box.hasAttribute("tabindex")) {
        box.setAttribute("data-scroll-region", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box) + " (scrolls sideways)");
      } else if (!scrolls && ours) {
        ["data-scroll-region", "tabindex", "role", "aria-label"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  var pending = false;
  function markSoon() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        markScrollers();
      });
    }
  }
  window.addEventListener("resize", markSoon);
  window.addEventListener("load", markSoon);
  document.addEventListener("htmx:afterSettle", markSoon);

  // Results swapped in by htmx are announced: an element marked data-announce (say, "12 pupils
  // matching ...") is read out through one polite live region that is on the page from the start
  // (a live region inserted along with its text is often not read). Headings stay headings.
  var announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.id = "app-announcer";
      announcer.className = "visually-hidden";
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("aria-atomic", "true");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 60);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var roots = [event.detail && event.detail.elt, event.target];
    for (var i = 0; i < roots.length; i += 1) {
      var root = roots[i];
      if (!root || !root.querySelector) {
        continue;
      }
      var found = root.matches("[data-announce]") ? root : root.querySelector("[data-announce]");
      if (found && found.isConnected) {
        announce(found.textContent.replace(/\s+/g, " ").trim());
        return;
      }
    }
  });

  // An error summary marked data-focus-on-load takes the focus when the page loads again after a
  // refused form, so a keyboard or screen-reader user starts there (unless something has focus).
  function focusOnLoad() {
    var target = document.querySelector("[data-focus-on-load]");
    if (target && (!document.activeElement || document.activeElement === document.body)) {
      target.focus();
    }
  }

  function ready() {
    markScrollers();
    announce("");
    focusOnLoad();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
