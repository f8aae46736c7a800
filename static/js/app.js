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
