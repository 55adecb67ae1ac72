// The facilitator's console, live: buttons and forms act over the socket instead of reloading the page,
// and when the session changes (here or on another facilitator's console) the console's lists are
// fetched again and swapped in place. Focus stays where the facilitator is: on the same button when it
// is still there (its data-key), else on the section's heading; a block holding a field being typed in
// is left alone until the field is left. Without this file every button is an ordinary form.
import { act, fill, follow, speaker, startClocks } from "./live/common.js";

const root = document.getElementById("live");
if (root && root.dataset.view === "console") {
  const strings = JSON.parse(root.dataset.strings);
  const session = Number(root.dataset.session);
  const say = speaker(root.querySelector("[data-say]"));
  const errorBox = root.querySelector("[data-error-box]");
  let state = JSON.parse(root.dataset.state);
  state.offset = state.now - Date.now();
  let shownVersion = state.version;
  const renderedAs = state.state; // planned, running or ended: the console's sections depend on it
  let socket = null;
  let fetching = null;
  let again = false;
  const stale = new Set();

  const typing = (block) => {
    const active = document.activeElement;
    return Boolean(active && block.contains(active) && active.matches("input:not([type=hidden]), textarea, select"));
  };

  const swap = (block, fresh) => {
    if (block.innerHTML === fresh.innerHTML) return;
    const active = document.activeElement;
    const inside = active && block.contains(active);
    const key = inside ? active.dataset.key : null;
    block.replaceChildren(...fresh.childNodes);
    if (!inside) return;
    const same = key ? block.querySelector(`[data-key="${CSS.escape(key)}"]`) : null;
    if (same) same.focus();
    else block.closest("section")?.querySelector("h2")?.focus();
  };

  // Fetch the console as the server renders it now and swap in every block that changed.
  const refresh = async () => {
    if (fetching) {
      again = true;
      return fetching;
    }
    fetching = (async () => {
      const response = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const next = page.getElementById("live");
      if (!next) return;
      const fresh = JSON.parse(next.dataset.state);
      if (fresh.version < shownVersion) return;
      shownVersion = fresh.version;
      if (fresh.state !== renderedAs) {
        window.location.reload(); // started or ended: the console's sections change
        return;
      }
      for (const block of root.querySelectorAll("[data-live]")) {
        const replacement = next.querySelector(`[data-live="${block.dataset.live}"]`);
        if (!replacement) continue;
        if (typing(block)) stale.add(block.dataset.live);
        else swap(block, replacement);
      }
    })();
    try {
      await fetching;
    } finally {
      fetching = null;
      if (again) {
        again = false;
        refresh();
      }
    }
  };

  root.addEventListener("focusout", () => {
    window.setTimeout(() => {
      if (stale.size && ![...stale].some((name) => typing(root.querySelector(`[data-live="${name}"]`)))) {
        stale.clear();
        refresh();
      }
    }, 0);
  });

  const apply = (next, _own, fresh) => {
    if (!fresh && next.version <= state.version) return;
    next.offset = next.now - Date.now();
    state = next;
    if (next.version > shownVersion) refresh();
  };

  const paramsOf = (form) => {
    const data = new FormData(form);
    const params = {};
    for (const [name, value] of data.entries()) {
      if (name === "csrf_token" || name === "action") continue;
      if (name === "counts") (params.counts = params.counts || []).push(value);
      else params[name] = /^(speaker|item|poll|question)$/.test(name) ? Number(value) : value;
    }
    if (form.dataset.poll) params.poll = Number(form.dataset.poll);
    return params;
  };

  root.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-action]");
    if (!form || !socket || !socket.connected) return; // the form goes the ordinary way
    event.preventDefault();
    const action = form.dataset.action;
    const button = form.querySelector("button[type=submit]");
    if (button) button.setAttribute("aria-disabled", "true");
    const answer = await act(socket, session, action, paramsOf(form));
    if (button) button.removeAttribute("aria-disabled");
    if (!answer.ok) {
      if (answer.error === "timeout") {
        form.submit();
        return;
      }
      errorBox.replaceChildren();
      const box = document.createElement("div");
      box.className = "form-alert";
      box.setAttribute("role", "alert");
      const text = document.createElement("p");
      text.textContent = answer.message;
      box.append(text);
      errorBox.append(box);
      return;
    }
    errorBox.replaceChildren();
    if (action === "add-speaker" || action === "announce") {
      form.reset();
      for (const list of form.querySelectorAll(".field-errors")) list.remove();
    }
    say(answer.message);
    if (answer.version > shownVersion) refresh();
  });

  startClocks(root, () => state, strings);
  socket = follow(root, "console", apply, {
    "live.console": (data) => {
      if (data && data.session === session && data.version > shownVersion) refresh();
    },
    "live.count": (data) => {
      if (!data || data.session !== session) return;
      const count = root.querySelector(`[data-answers="${data.poll}"]`);
      if (count) count.textContent = data.answers === 1 ? strings.answersOne : fill(strings.answers, { n: data.answers });
    },
  });
  socket.on("disconnect", () => say(strings.offline));
}
