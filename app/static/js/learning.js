// Keeps the participant home's countdown current. The server already wrote the right words: without this script
// the page only shows them as of its loading. The words come from the page (translated there) and the browser's
// own number formatting for days, hours and minutes.
(function () {
  "use strict";
  var lang = document.documentElement.lang || undefined;

  function unit(n, name) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(n);
  }

  function words(ms) {
    var minutesTotal = Math.max(Math.floor(ms / 60000), 0);
    var days = Math.floor(minutesTotal / 1440);
    var hours = Math.floor((minutesTotal % 1440) / 60);
    var minutes = minutesTotal % 60;
    if (days) { return [unit(days, "day"), hours ? unit(hours, "hour") : null]; }
    if (hours) { return [unit(hours, "hour"), minutes ? unit(minutes, "minute") : null]; }
    return [unit(Math.max(minutes, 1), "minute"), null];
  }

  function update(el) {
    var starts = Date.parse(el.getAttribute("data-countdown"));
    if (isNaN(starts)) { return; }
    var left = starts - Date.now();
    if (left <= 0) {
      el.textContent = el.getAttribute("data-started");
      return;
    }
    var parts = words(left);
    var time = parts[1] ? el.getAttribute("data-pair").replace("{a}", parts[0]).replace("{b}", parts[1]) : parts[0];
    el.textContent = el.getAttribute("data-template").replace("{time}", time);
  }

  function start() {
    var timers = document.querySelectorAll("[data-countdown]");
    try { unit(1, "day"); } catch (e) { return; } // an older browser: keep the server's words
    if (timers.length) {
      var tick = function () { Array.prototype.forEach.call(timers, update); };
      tick();
      window.setInterval(tick, 30000);
    }
  }

  function printing() {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-print]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    printing();
    start();
  });
})();
