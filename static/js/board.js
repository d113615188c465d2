/* Board page: drag and drop (SortableJS), the "Move to…" menu and live updates.
 *
 * Moves go to POST /api/cards/{id}/move/ with the card's version; after any move
 * (done or refused) the columns are reloaded from the server, which corrects the
 * optimistic DOM. The page polls the board version and swaps in fresh columns
 * when someone else changed the board — never during a drag, never with an older
 * version than the one shown. Configuration comes from data attributes on
 * #board-page; there is no inline script. */
(function () {
  "use strict";

  var POLL_MS = 2500;
  var MAX_ALERTS = 4;
  var page = document.getElementById("board-page");
  if (!page || typeof window.fetch !== "function") {
    return;
  }
  var alerts = document.getElementById("board-alerts");
  var statusRegion = document.getElementById("board-status");
  var sortables = [];
  var dragging = false;
  var refreshing = false;
  var again = false;
  var stopped = false;
  var pollTimer = null;

  function columnsEl() {
    return document.getElementById("board-columns");
  }

  function shownVersion() {
    var el = columnsEl();
    return el ? Number(el.dataset.version || 0) : 0;
  }

  function moveUrl(cardId) {
    return page.dataset.moveUrl.replace(/\/0\/move\/$/, "/" + cardId + "/move/");
  }

  function announce(text) {
    if (statusRegion) {
      statusRegion.textContent = text;
    }
  }

  /* Show a message in the page's live region (kind: danger, warning, success). */
  function say(text, kind, link) {
    var alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " alert-dismissible py-2";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.dataset.testid = "board-message";
    alert.appendChild(document.createTextNode(text));
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.className = "ms-1";
      a.textContent = link.text;
      alert.appendChild(a);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", function () {
      alert.remove();
    });
    alert.appendChild(close);
    alerts.prepend(alert);
    while (alerts.children.length > MAX_ALERTS) {
      alerts.lastElementChild.remove();
    }
  }

  function errorText(body, status) {
    if (body && typeof body.detail === "string") {
      return body.detail;
    }
    if (body && typeof body === "object") {
      var parts = [];
      Object.keys(body).forEach(function (key) {
        var value = body[key];
        parts.push(Array.isArray(value) ? value.join(" ") : String(value));
      });
      if (parts.length) {
        return parts.join(" ");
      }
    }
    return "The move failed (HTTP " + status + ").";
  }

  function gone() {
    stopped = true;
    destroySortables();
    say("This board has been deleted.", "danger", {
      href: page.dataset.boardsUrl,
      text: "Back to the boards",
    });
  }

  function focusCard(cardId) {
    var card = document.getElementById("card-" + cardId);
    var target = card && (card.querySelector(".move-link") || card.querySelector("a"));
    if (target) {
      target.focus();
    }
  }

  /* A "Move to…" menu the user is working in (refreshing would lose it). */
  function menuInUse() {
    var active = document.activeElement;
    return Boolean(active && active.closest && active.closest(".board-card .move-form"));
  }

  /* Reload the columns (with the filters in the URL) unless that would lose work. */
  function refresh(options) {
    options = options || {};
    if (stopped) {
      return Promise.resolve();
    }
    if (dragging || refreshing || (menuInUse() && !options.force)) {
      again = true;
      return Promise.resolve();
    }
    refreshing = true;
    var search = window.location.search;
    return fetch(page.dataset.columnsUrl + search, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (response.status === 404) {
          gone();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html || stopped) {
          return;
        }
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        var fresh = template.content.querySelector("#board-columns");
        var current = columnsEl();
        if (!fresh || !current) {
          return;
        }
        if (dragging || window.location.search !== search) {
          again = true; // a drag began or the filters changed meanwhile
          return;
        }
        if (Number(fresh.dataset.version || 0) < shownVersion()) {
          return; // never show an older board than the one on screen
        }
        var scroller = current.querySelector(".board-scroll");
        var left = scroller ? scroller.scrollLeft : 0;
        current.replaceWith(fresh);
        var newScroller = fresh.querySelector(".board-scroll");
        if (newScroller) {
          newScroller.scrollLeft = left;
        }
        init();
        if (options.focus) {
          focusCard(options.focus);
        }
      })
      .catch(function () {
        /* offline for a moment: the next poll tries again */
      })
      .finally(function () {
        refreshing = false;
        if (again && !dragging && !stopped) {
          again = false;
          window.setTimeout(refresh, 0);
        }
      });
  }

  function move(card, columnId, lane, neighbour, options) {
    var root = columnsEl();
    var payload = { column: Number(columnId), version: Number(card.dataset.version) };
    if (neighbour.before) {
      payload.before = neighbour.before;
    } else if (neighbour.after) {
      payload.after = neighbour.after;
    }
    if (root && root.dataset.swimlanes) {
      payload.lane = lane;
    }
    var key = card.dataset.key;
    var body = null;
    var status = 0;
    return fetch(moveUrl(card.dataset.card), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": page.dataset.csrf,
      },
      body: JSON.stringify(payload),
    })
      .then(function (response) {
        status = response.status;
        return response.json().catch(function () {
          return null;
        });
      })
      .then(function (data) {
        body = data;
        if (status === 200 && body && body.card) {
          card.dataset.version = body.card.version;
          (body.warnings || []).forEach(function (warning) {
            say(warning, "warning");
          });
          announce("Moved " + key + " to " + (body.card.column_name || "its new column") + ".");
        } else {
          say(key + " was not moved: " + errorText(body, status), "danger");
        }
      })
      .catch(function () {
        say(key + " was not moved: the server could not be reached.", "danger");
      })
      .then(function () {
        return refresh({ force: true, focus: options && options.focus ? card.dataset.card : null });
      });
  }

  function cardSibling(el, direction) {
    var sibling = el[direction];
    while (sibling && !sibling.classList.contains("board-card")) {
      sibling = sibling[direction];
    }
    return sibling;
  }

  function dropped(evt) {
    if (evt.from === evt.to && evt.oldIndex === evt.newIndex) {
      return;
    }
    var item = evt.item;
    var previous = cardSibling(item, "previousElementSibling");
    var next = cardSibling(item, "nextElementSibling");
    var neighbour = {};
    if (previous) {
      neighbour.after = Number(previous.dataset.card);
    } else if (next) {
      neighbour.before = Number(next.dataset.card);
    }
    move(item, evt.to.dataset.column, evt.to.dataset.lane, neighbour);
  }

  function destroySortables() {
    sortables.forEach(function (sortable) {
      sortable.destroy();
    });
    sortables = [];
  }

  function init() {
    destroySortables();
    var root = columnsEl();
    if (!root || stopped || typeof window.Sortable === "undefined") {
      return;
    }
    if (!root.querySelector(".drag-handle")) {
      return; // a read-only board
    }
    var acrossLanes = root.dataset.laneMoves === "1";
    root.querySelectorAll("ol.board-cards").forEach(function (list) {
      sortables.push(
        window.Sortable.create(list, {
          group: acrossLanes ? "board" : "lane-" + list.dataset.lane,
          handle: ".drag-handle",
          draggable: ".board-card",
          animation: 120,
          forceFallback: true,
          fallbackOnBody: true,
          fallbackTolerance: 3,
          ghostClass: "board-card-ghost",
          chosenClass: "board-card-chosen",
          onStart: function () {
            dragging = true;
          },
          onEnd: function (evt) {
            dragging = false;
            dropped(evt);
          },
        })
      );
    });
  }

  /* The "Move to…" menu: a form cloned from #move-menu-template into the card
   * (without JavaScript the link opens the same form at the top of the page). */
  function closeMenu(form, refocus) {
    var card = form.closest(".board-card");
    var link = card && card.querySelector(".move-link");
    form.remove();
    if (link) {
      link.hidden = false;
      if (refocus) {
        link.focus();
      }
    }
  }

  function openMenu(link) {
    var template = document.getElementById("move-menu-template");
    var card = link.closest(".board-card");
    if (!template || !card) {
      return;
    }
    document.querySelectorAll(".board-card .move-form").forEach(function (open) {
      closeMenu(open, false);
    });
    var form = template.content.querySelector("form").cloneNode(true);
    form.querySelectorAll("label[data-for]").forEach(function (label) {
      var control = form.elements[label.dataset.for];
      control.id = "move-" + card.dataset.card + "-" + label.dataset.for;
      label.htmlFor = control.id;
    });
    form.setAttribute("aria-label", "Move " + card.dataset.key);
    var list = card.closest("ol.board-cards");
    if (list) {
      form.elements.column.value = list.dataset.column;
    }
    link.hidden = true;
    link.after(form);
    form.elements.column.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) {
      return;
    }
    var link = target.closest(".move-link");
    if (link && columnsEl() && columnsEl().contains(link)) {
      event.preventDefault();
      openMenu(link);
      return;
    }
    var cancel = target.closest('.move-form [data-action="cancel"]');
    if (cancel) {
      closeMenu(cancel.closest(".move-form"), true);
    }
  });

  document.addEventListener("keydown", function (event) {
    var form = event.key === "Escape" && document.activeElement &&
      document.activeElement.closest && document.activeElement.closest(".board-card .move-form");
    if (form) {
      closeMenu(form, true);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("move-form") || !form.closest(".board-card")) {
      return;
    }
    event.preventDefault();
    var card = form.closest(".board-card");
    var list = card.closest("ol.board-cards");
    var lane = list ? list.dataset.lane : "";
    var columnId = form.elements.column.value;
    var top = form.elements.position.value === "top";
    var target = columnsEl().querySelector(
      'ol.board-cards[data-column="' + columnId + '"][data-lane="' + lane + '"]'
    );
    var others = target
      ? Array.prototype.filter.call(target.querySelectorAll(".board-card"), function (el) {
          return el !== card;
        })
      : [];
    var neighbour = {};
    if (others.length && top) {
      neighbour.before = Number(others[0].dataset.card);
    } else if (others.length) {
      neighbour.after = Number(others[others.length - 1].dataset.card);
    }
    closeMenu(form, false);
    move(card, columnId, lane, neighbour, { focus: true });
  });

  /* Filters swap the columns through htmx: wire the new ones up. */
  document.body.addEventListener("htmx:afterSettle", function () {
    var list = columnsEl() && columnsEl().querySelector("ol.board-cards");
    if (list && window.Sortable && !window.Sortable.get(list)) {
      init();
    }
  });

  function poll() {
    if (stopped) {
      return;
    }
    if (document.hidden || dragging) {
      schedule();
      return;
    }
    fetch(page.dataset.versionUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 404) {
          gone();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data && Number(data.version) > shownVersion()) {
          return refresh();
        }
        return null;
      })
      .catch(function () {
        /* try again at the next tick */
      })
      .finally(schedule);
  }

  function schedule() {
    if (stopped) {
      return;
    }
    window.clearTimeout(pollTimer);
    pollTimer = window.setTimeout(poll, POLL_MS);
  }

  init();
  schedule();
})();
