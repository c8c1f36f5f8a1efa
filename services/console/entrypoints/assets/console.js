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
  // After an agent's post the page may say policy has not decided yet (it decides off the
  // request): ask the console every 2 s whether a decision has come and reload once it has;
  // after 30 s stop and say so (the Reload link stays, as without this script).
  document.querySelectorAll("[data-pending-decision][data-poll]").forEach(function (marker) {
    var asks = 0;
    marker.textContent = marker.getAttribute("data-waiting");
    function giveUp() { marker.textContent = marker.getAttribute("data-gave-up"); }
    function ask() {
      asks += 1;
      fetch(marker.getAttribute("data-poll"), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (answer) {
        return answer.ok ? answer.json() : null;
      }).then(function (status) {
        if (status && status.decided) { window.location.reload(); }
        else if (asks < 15) { window.setTimeout(ask, 2000); }
        else { giveUp(); }
      }, giveUp);
    }
    window.setTimeout(ask, 2000);
  });
})();
