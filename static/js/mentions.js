/* Mention suggestions for comment boxes (textarea[data-mentions]).
 *
 * Typing "@" and a few letters asks the server, through htmx, for matching people, roles and teams; they are shown
 * in the listbox the textarea names in aria-controls. Arrow keys move through them (aria-activedescendant follows),
 * Enter or Tab inserts the chosen mention, Escape closes the list. A polite live region says how many there are.
 * Without this script the textarea is a plain one and mentions are typed by hand.
 */
(function () {
  "use strict";

  var TOKEN = /(^|[^A-Za-z0-9._%+\-@])@([A-Za-z0-9._+:\-]{0,60})$/;
  var timers = new WeakMap();
  var live = null;

  function say(text) {
    if (!live) {
      live = document.createElement("div");
      live.className = "visually-hidden";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = text;
  }

  function listboxOf(box) {
    return document.getElementById(box.getAttribute("aria-controls") || "");
  }

  function optionsOf(listbox) {
    return Array.prototype.slice.call(listbox.querySelectorAll('[role="option"]'));
  }

  function isOpen(box) {
    var listbox = listboxOf(box);
    return !!listbox && !listbox.hidden && optionsOf(listbox).length > 0;
  }

  function close(box) {
    var listbox = listboxOf(box);
    if (listbox) {
      listbox.hidden = true;
      listbox.textContent = "";
    }
    box.removeAttribute("aria-activedescendant");
  }

  function activate(box, index) {
    var options = optionsOf(listboxOf(box));
    if (!options.length) {
      return;
    }
    var chosen = (index + options.length) % options.length;
    options.forEach(function (option, position) {
      option.setAttribute("aria-selected", position === chosen ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", options[chosen].id);
    options[chosen].scrollIntoView({ block: "nearest" });
  }

  function activeIndex(box) {
    var options = optionsOf(listboxOf(box));
    var current = box.getAttribute("aria-activedescendant");
    for (var i = 0; i < options.length; i += 1) {
      if (options[i].id === current) {
        return i;
      }
    }
    return -1;
  }

  function tokenAt(box) {
    var before = box.value.slice(0, box.selectionStart);
    var found = TOKEN.exec(before);
    return found ? { start: before.length - found[2].length - 1, text: found[2] } : null;
  }

  function insert(box, value) {
    var token = tokenAt(box);
    if (!token) {
      close(box);
      return;
    }
    var end = box.selectionStart;
    box.value = box.value.slice(0, token.start) + value + " " + box.value.slice(end);
    var caret = token.start + value.length + 1;
    box.setSelectionRange(caret, caret);
    close(box);
    say(value);
    box.focus();
  }

  function opened(box, asked) {
    var listbox = listboxOf(box);
    var token = tokenAt(box);
    if (!listbox || !token || token.text !== asked) {
      return;  // the text moved on while the answer travelled: a newer request follows
    }
    var options = optionsOf(listbox);
    options.forEach(function (option, position) {
      option.id = listbox.id + "-option-" + position;
    });
    if (!options.length) {
      close(box);
      say("");
      return;
    }
    listbox.hidden = false;
    activate(box, 0);
    var many = (listbox.dataset.many || "{count}").replace("{count}", String(options.length));
    say(options.length === 1 ? listbox.dataset.one || "1" : many);
  }

  function suggest(box) {
    var token = tokenAt(box);
    var listbox = listboxOf(box);
    if (!token || !listbox || typeof htmx === "undefined") {
      close(box);
      return;
    }
    var asked = token.text;
    var url = box.dataset.mentions + "?q=" + encodeURIComponent(asked);
    htmx.ajax("GET", url, { target: listbox, swap: "innerHTML" }).then(function () {
      opened(box, asked);
    });
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.dataset.mentions) {
      return;
    }
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { suggest(box); }, 150));
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.dataset.mentions || !isOpen(box)) {
      return;
    }
    var index = activeIndex(box);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      activate(box, index + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && index >= 0 && !event.shiftKey) {
      event.preventDefault();
      insert(box, optionsOf(listboxOf(box))[index].dataset.value);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(box);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target instanceof Element ? event.target.closest('.suggestions [role="option"]') : null;
    if (!option) {
      return;
    }
    event.preventDefault();  // keep the focus (and the caret) in the textarea
    var listbox = option.closest(".suggestions");
    var box = document.querySelector('textarea[aria-controls="' + listbox.id + '"]');
    if (box) {
      insert(box, option.dataset.value);
    }
  });

  document.addEventListener("focusout", function (event) {
    var box = event.target;
    if (box instanceof HTMLTextAreaElement && box.dataset.mentions) {
      setTimeout(function () { if (document.activeElement !== box) { close(box); } }, 150);
    }
  });
})();
