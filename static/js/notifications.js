// The header's notification flyout: a disclosure button (aria-expanded) that loads the latest notifications with
// htmx, moves focus into the panel, and closes on Escape (focus back on the button) or a click outside. Without
// JavaScript the button stays hidden and the bell is a plain link to /notifications.
(function () {
  "use strict";

  function setup(center) {
    var toggle = center.querySelector(".notification-toggle");
    var panel = center.querySelector(".notification-flyout");
    if (!toggle || !panel || !window.htmx || toggle.dataset.ready) {
      return;
    }
    toggle.dataset.ready = "1";
    toggle.hidden = false;

    function isOpen() {
      return toggle.getAttribute("aria-expanded") === "true";
    }

    function close(returnFocus) {
      toggle.setAttribute("aria-expanded", "false");
      panel.hidden = true;
      if (returnFocus) {
        toggle.focus();
      }
    }

    function open() {
      toggle.setAttribute("aria-expanded", "true");
      panel.hidden = false;
      window.htmx.ajax("GET", "/notifications/flyout", { target: panel, swap: "innerHTML" }).then(function () {
        var first = panel.querySelector("a, button");
        if (first && isOpen()) {
          first.focus();
        }
      });
    }

    toggle.addEventListener("click", function () {
      if (isOpen()) {
        close(false);
      } else {
        open();
      }
    });
    center.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        event.preventDefault();
        close(true);
      }
    });
    document.addEventListener("click", function (event) {
      if (isOpen() && !center.contains(event.target)) {
        close(false);
      }
    });
  }

  // After a mark-read form swaps the list or the flyout, the button that had focus is gone: put focus at the top of
  // what replaced it (the count there is announced by its aria-live region).
  function refocus(event) {
    var config = event.detail.requestConfig;
    var target = event.detail.target;
    if (!config || config.verb !== "post" || !target) {
      return;
    }
    var landing = null;
    if (target.id === "notification-entries") {
      landing = document.getElementById("notification-entries");
    } else if (target.id === "notification-flyout") {
      landing = target.querySelector(".flyout-title");
    }
    if (landing) {
      landing.focus();
    }
  }

  function init() {
    document.querySelectorAll("[data-notification-center]").forEach(setup);
    document.body.addEventListener("htmx:afterSettle", refocus);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
