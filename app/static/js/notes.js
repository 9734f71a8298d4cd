// Breakout notes: a live preview while typing, and a report-back board that refreshes itself.
// Pages work without this file: the "Preview" button renders on the server, and the board can be reloaded.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name='csrf_token']");
    if (input) { return input.value; }
    var meta = document.querySelector("meta[name='csrf-token']");
    return meta ? meta.getAttribute("content") : "";
  }

  function setupPreview(form) {
    var textarea = form.querySelector("textarea[name='body']");
    var panel = document.querySelector("[data-note-preview]");
    var target = panel && panel.querySelector("[data-note-preview-body]");
    var url = form.getAttribute("data-preview-url");
    if (!textarea || !target || !url || !window.fetch || !window.FormData) { return; }
    var timer = null;
    var sent = 0;

    function refresh() {
      var ticket = ++sent;
      var data = new FormData();
      data.append("body", textarea.value);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(form), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (payload) { return { ok: response.ok, payload: payload }; });
      }).then(function (result) {
        if (ticket !== sent) { return; } // an answer to an older keystroke
        panel.hidden = false;
        if (result.ok) {
          target.innerHTML = result.payload.html; // rendered and sanitized by the server (allow-list)
        } else {
          target.textContent = result.payload.message || "";
        }
      }).catch(function () { /* offline: the Preview button still works */ });
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 600);
    });
  }

  function setupBoard(board) {
    var url = board.getAttribute("data-board-url");
    var unshared = board.getAttribute("data-unshared-text") || "";
    if (!url || !window.fetch) { return; }

    var status = document.querySelector("[data-board-status]");

    function update(rooms) {
      var changed = [];
      rooms.forEach(function (room) {
        var column = board.querySelector("[data-room-id='" + String(Number(room.id)) + "']");
        if (!column) { return; }
        var state = String(room.version) + ":" + (room.shared ? "1" : "0");
        if (column.getAttribute("data-version") + ":" + column.getAttribute("data-shared") === state) { return; }
        var body = column.querySelector("[data-board-body]");
        if (room.shared) {
          body.innerHTML = room.html; // rendered and sanitized by the server (allow-list)
        } else {
          var empty = document.createElement("p");
          empty.className = "empty";
          empty.textContent = unshared;
          body.replaceChildren(empty);
        }
        column.setAttribute("data-version", String(room.version));
        column.setAttribute("data-shared", room.shared ? "1" : "0");
        changed.push(room.name);
      });
      if (status && changed.length) {
        status.textContent = (status.getAttribute("data-updated-text") || "") + " " + changed.join(", ");
      }
    }

    function poll() {
      if (document.hidden) { return; }
      fetch(url, { credentials: "same-origin", cache: "no-cache", headers: { "Accept": "application/json" } })
        .then(function (response) { return response.status === 200 ? response.json() : null; })
        .then(function (payload) { if (payload && payload.rooms) { update(payload.rooms); } })
        .catch(function () { /* try again at the next tick */ });
    }

    window.setInterval(poll, 10000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { poll(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-note-form]"), setupPreview);
    Array.prototype.forEach.call(document.querySelectorAll("[data-board]"), setupBoard);
  });
})();
