/* Live updates on project pages (templates/live/_panel.html.j2), on top of htmx's SSE extension.
 *
 * htmx does the connecting and swapping; this script only adds what it cannot express:
 * - no double comments: a message whose id was already applied (an EventSource reconnect) is skipped, and so is a
 *   loader for a comment the page already shows (the author's own page, after their form's answer);
 * - typing pings from the comment boxes, at most one per 3 s, and clearing "… is typing" when they stop.
 * Without it the page still updates; without JavaScript at all the page is a plain page (reload to see changes).
 */
(function () {
  "use strict";

  var PING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 6000;
  var applied = new WeakMap();
  var lastPing = 0;
  var typingTimer = null;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    var target = evt.target;
    var message = evt.detail || {};
    var data = message.data || "";
    if (data.indexOf("data-live-reset") !== -1) {
      applied = new WeakMap(); // the server restarted its numbering: ids start again from 1
    }
    if (target.hasAttribute("data-live-dedupe")) {
      var id = parseInt(message.lastEventId, 10);
      if (!isNaN(id)) {
        if (id <= (applied.get(target) || 0)) {
          evt.preventDefault();
          return;
        }
        applied.set(target, id);
      }
    }
    var unless = /data-live-unless="([^"]+)"/.exec(data);
    if (unless && document.getElementById(unless[1])) {
      evt.preventDefault();
    }
  });

  document.addEventListener("htmx:sseMessage", function (evt) {
    if (evt.target.id !== "live-presence") {
      return;
    }
    var typing = document.getElementById("live-typing");
    if (!typing || !typing.textContent.trim()) {
      return;
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () { typing.textContent = ""; }, TYPING_SHOWN_MS);
  });

  document.addEventListener("input", function (evt) {
    var box = evt.target;
    var live = document.getElementById("live");
    if (!live || !box.matches || !box.matches("#comments textarea")) {
      return;
    }
    var now = Date.now();
    if (now - lastPing < PING_EVERY_MS) {
      return;
    }
    lastPing = now;
    window.fetch(live.getAttribute("data-typing-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      body: new URLSearchParams({ entity: live.getAttribute("data-entity") || "" })
    }).catch(function () { /* a lost ping only hides the indicator sooner */ });
  });
})();
