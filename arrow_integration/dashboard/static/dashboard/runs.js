/* The month page's buttons and the live progress of runs (see README "Dashboard").
 *
 * A button of <form data-month-actions> opens the confirmation <dialog data-confirm-dialog>;
 * once confirmed, the form is posted (with its CSRF token) asking for JSON, and the queued runs
 * the answer names are shown in <div data-live-runs>. Every element with data-run-api (those,
 * and the rows of runs still queued or running in a table) is then followed by polling the runs
 * API (GET /api/admin/arrow/sync-runs/{uuid}/, with the session) until the run has ended.
 * Without JavaScript the form posts as it is and the server asks for the confirmation itself.
 */
(function () {
  "use strict";

  var POLL_MILLISECONDS = 1000;
  var FINAL_STATES = ["succeeded", "failed"];

  function stateLabel(state) {
    return state.charAt(0).toUpperCase() + state.slice(1).replace(/_/g, " ");
  }

  // As the server renders a run's progress (includes/progress.html): a bar when the total is
  // known, an indeterminate one while running without it, else the count alone.
  function showProgress(element, run) {
    var cell = element.querySelector(".progress-cell");
    if (!cell) {
      return;
    }
    var text = document.createElement("span");
    text.className = "progress-text";
    var parts = [text];
    var known = run.progress_total > 0;
    if (known || run.state === "running") {
      var progress = document.createElement("progress");
      progress.setAttribute("aria-label", "Progress of the " + (element.dataset.runLabel || run.kind) + " run");
      if (known) {
        progress.max = run.progress_total;
        progress.value = run.progress_done;
      }
      parts.unshift(progress);
    }
    if (known) {
      text.textContent = run.progress_done + " / " + run.progress_total;
    } else {
      text.textContent = run.state === "queued" ? "waiting for a worker" : run.progress_done + " done";
    }
    cell.replaceChildren.apply(cell, parts);
  }

  function showEnd(element, run) {
    var end = element.querySelector("[data-run-end]");
    if (!end) {
      return;
    }
    var sentences = (run.operator_summary || []).slice();
    if (run.error_message) {
      sentences.push(run.error_message);
    }
    end.replaceChildren();
    sentences.forEach(function (sentence) {
      var item = document.createElement("li");
      item.textContent = sentence;
      end.appendChild(item);
    });
  }

  function show(element, run) {
    element.dataset.runState = run.state;
    var state = element.querySelector(".state");
    if (state) {
      state.className = "state state-" + run.state;
      state.textContent = stateLabel(run.state);
    }
    showProgress(element, run);
    if (FINAL_STATES.indexOf(run.state) !== -1) {
      showEnd(element, run);
      var reload = element.querySelector("[data-run-reload]");
      if (reload) {
        reload.hidden = false;
      }
    }
  }

  function follow(element) {
    fetch(element.dataset.runApi, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        show(element, run);
        if (FINAL_STATES.indexOf(run.state) === -1) {
          window.setTimeout(function () { follow(element); }, POLL_MILLISECONDS);
        }
      })
      .catch(function () {
        // A lost answer (the server restarting, say): try again a little later.
        window.setTimeout(function () { follow(element); }, POLL_MILLISECONDS * 5);
      });
  }

  function liveRun(run) {
    var element = document.createElement("div");
    element.className = "live-run";
    element.dataset.runApi = run.api_url;
    element.dataset.runLabel = run.kind_label;
    var title = document.createElement("a");
    title.href = run.page_url;
    title.textContent = run.kind_label + " run";
    var state = document.createElement("span");
    state.className = "state state-queued";
    state.textContent = "Queued";
    var cell = document.createElement("span");
    cell.className = "progress-cell";
    var end = document.createElement("ul");
    end.className = "run-end";
    end.dataset.runEnd = "";
    var reload = document.createElement("a");
    reload.href = window.location.pathname + "#customers";
    reload.textContent = "Reload the month to see its new figures";
    reload.hidden = true;
    reload.dataset.runReload = "";
    reload.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.reload();
    });
    element.append(title, " ", state, " ", cell, end, reload);
    return element;
  }

  function showError(panel, message) {
    var alert = document.createElement("div");
    alert.className = "alert alert-error";
    alert.setAttribute("role", "alert");
    alert.textContent = message;
    panel.prepend(alert);
  }

  function errorText(body) {
    return Object.keys(body).map(function (field) {
      var messages = Array.isArray(body[field]) ? body[field].join(" ") : String(body[field]);
      return (field === "detail" ? "" : field + ": ") + messages;
    }).join(" ");
  }

  function queue(form, action, panel) {
    var data = new FormData(form);
    data.set("action", action);
    data.set("confirmed", "on");
    // getAttribute: form.action would be the buttons named "action".
    fetch(form.getAttribute("action"), { method: "POST", body: data, headers: { Accept: "application/json" },
                         credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (answer) {
        if (!answer.ok) {
          showError(panel, "Nothing was queued. " + errorText(answer.body));
          return;
        }
        var message = document.createElement("p");
        message.textContent = answer.body.message;
        panel.prepend(message);
        answer.body.runs.forEach(function (run) {
          var element = liveRun(run);
          panel.appendChild(element);
          follow(element);
        });
      })
      .catch(function () {
        showError(panel, "The server could not be reached; nothing may have been queued. Reload the page.");
      });
  }

  function setUpActions(form) {
    var dialog = document.querySelector("[data-confirm-dialog]");
    var panel = document.querySelector("[data-live-runs]");
    var settings = form.querySelector("select[name=settings]");
    var pending = null;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (!button || !dialog) {
        return;
      }
      var chosen = settings && settings.selectedOptions.length ? settings.selectedOptions[0].textContent : "";
      pending = button.value;
      dialog.querySelector("[data-confirm-title]").textContent = button.textContent + "?";
      dialog.querySelector("[data-confirm-text]").textContent =
        button.dataset.confirmation.replace("{settings}", chosen);
      dialog.returnValue = "";  // Escape closes without setting it: an earlier "confirm" must not count
      dialog.showModal();
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue === "confirm" && pending) {
        queue(form, pending, panel);
      }
      pending = null;
    });
  }

  document.querySelectorAll("form[data-month-actions]").forEach(setUpActions);
  document.querySelectorAll("[data-run-api]").forEach(function (element) {
    if (FINAL_STATES.indexOf(element.dataset.runState) === -1) {
      follow(element);
    }
  });
})();
