// caselog console: small progressive enhancements; every page works without this file.
"use strict";
(function () {
  var lang = document.documentElement.lang || "en";
  var format = new Intl.DateTimeFormat(lang === "ja" ? "ja-JP" : "en-GB", {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"
  });
  // Dates in the viewer's time zone; the UTC value stays on hover (title).
  document.querySelectorAll("time[data-local]").forEach(function (node) {
    var when = new Date(node.getAttribute("datetime"));
    if (!isNaN(when.getTime())) { node.textContent = format.format(when); }
  });
  // The as-of form's local date and time is read with the browser's offset from UTC.
  document.querySelectorAll("input[data-tz-offset]").forEach(function (input) {
    var form = input.form;
    form.addEventListener("submit", function () {
      var local = form.querySelector("input[type=datetime-local]");
      var at = local && local.value ? new Date(local.value) : new Date();
      input.value = String(at.getTimezoneOffset());
    });
  });
  // Selects marked data-autosubmit send their form on change (the button stays for keyboards).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
  // A file larger than the server takes is refused here, in the page's language, before an
  // upload that would only come back as the server's 413 page.
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      input.setCustomValidity(file && file.size > limit ? input.getAttribute("data-too-large") : "");
    });
  });
})();
