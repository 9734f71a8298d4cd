// Guess the visitor's time zone from the browser. Pages work without this: it only saves a step.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  // Visitors who are not logged in see times in this zone (the server reads the cookie).
  // IANA names only use letters, digits, "/", "_", "+" and "-": safe in a cookie as they are.
  // A zone picked on a page ("tz_chosen") wins over the guess.
  var chosen = document.cookie.indexOf("tz_chosen=") !== -1;
  if (!chosen && /^[A-Za-z0-9\/_+-]+$/.test(zone) && document.cookie.indexOf("tz=" + zone) === -1) {
    document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var selects = document.querySelectorAll("select[data-guess-timezone]");
    Array.prototype.forEach.call(selects, function (select) {
      var untouched = select.value === "UTC" || select.value === "";
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
      if (untouched && known) { select.value = zone; }
    });
  });
})();
