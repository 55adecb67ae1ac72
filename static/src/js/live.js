// A live session's page for participants, and its projector view: the state arrives over the socket
// (joined again after every reconnection) and the page follows it; raising a hand, answering and asking
// go over the socket too. Progressive enhancement only: without this file every form works and the page
// shows the state as of its loading, with a link to refresh it.
// Screen readers hear what concerns them ("you have the floor", "you are next", a new item, a poll
// opened or closed, an announcement) through live regions, never every change of the queue.
import { act, answerLabels, element, fill, follow, pick, resultsTable, speaker, startClocks } from "./live/common.js";

const root = document.getElementById("live");
if (root && (root.dataset.view === "participant" || root.dataset.view === "projector")) {
  const view = root.dataset.view;
  const strings = JSON.parse(root.dataset.strings);
  const lang = root.dataset.lang || document.documentElement.lang;
  const session = Number(root.dataset.session);
  const $ = (selector) => root.querySelector(selector);
  const say = speaker($("[data-say]"));
  const alertRegion = speaker($("[data-alert]"));
  let state = JSON.parse(root.dataset.state);
  let own = JSON.parse(root.dataset.own);
  state.offset = state.now - Date.now();
  let socket = null;

  const laneTag = (lane) =>
    lane === "order" || lane === "reply" ? [" ", element("span", { class: `tag tag-${lane}`, text: strings[lane] })] : [];
  const mine = (entry) => Boolean(own.who && entry && entry.who === own.who);
  const myPlace = (s) => s.queue.findIndex(mine) + 1;

  // ---- rendering -----------------------------------------------------------------------------------
  const renderNow = () => {
    const item = $("[data-item]");
    if (item) {
      item.replaceChildren(
        state.item ? element(view === "projector" ? "span" : "strong", { text: pick(state.item.title, lang) })
          : state.state === "ended" ? strings.ended : strings.noItem,
      );
    }
    const link = $("[data-item-link]");
    if (link) {
      const target = state.item && state.item.link;
      link.hidden = !target;
      if (target) link.replaceChildren(`${strings.about} `, element("a", { href: target.url, text: target.title }));
    }
    const itemTimer = $("[data-item-timer]");
    if (itemTimer) itemTimer.hidden = !(state.item && state.item.started_at);
    const now = $("[data-now]");
    if (now) now.hidden = state.state !== "running";
    const speaking = $("[data-speaker]");
    if (speaking) {
      const s = state.speaker;
      if (view === "projector") speaking.replaceChildren(...(s ? [s.name, ...laneTag(s.lane)] : ["—"]));
      else speaking.replaceChildren(...(s
        ? [`${strings.speaking} `, element("strong", { text: s.name }), s.room ? ` ${strings.inRoom}` : "", ...laneTag(s.lane)]
        : [strings.noSpeaker]));
    }
    const turnTimer = $("[data-turn-timer]");
    if (turnTimer) turnTimer.hidden = !(state.speaker && state.speaker.seconds);
    const announcement = $("[data-announcement]");
    if (announcement) {
      announcement.hidden = !state.announcement;
      const text = $("[data-announcement-text]");
      // Sanitised by the server when it was pinned (civic.text.render_markdown), as the page shows it.
      if (text && text.innerHTML !== state.announcement) text.innerHTML = state.announcement;
    }
  };

  const renderQueue = () => {
    const list = $("[data-queue]");
    if (!list) return;
    const shown = view === "projector" ? state.queue.slice(0, 8) : state.queue;
    list.replaceChildren(...shown.map((entry) => element("li", {}, entry.name,
      entry.room && view !== "projector" ? ` ${strings.inRoom}` : "", ...laneTag(entry.lane),
      mine(entry) && view !== "projector" ? element("strong", { text: ` ${strings.you}` }) : "")));
    $("[data-queue-empty]").hidden = state.queue.length > 0;
    const more = $("[data-queue-more]");
    const extra = state.waiting - shown.length;
    more.hidden = extra <= 0;
    if (extra > 0) more.textContent = fill(strings.waitingMore, { n: extra });
    // Where I stand comes from the state (the floor given, a place removed by the facilitator), and
    // from my own answers beyond the places the state lists.
    const beyond = state.waiting > state.queue.length;
    const place = $("[data-my-place]");
    if (place && own.who) {
      const at = myPlace(state);
      place.textContent = mine(state.speaker) ? strings.youSpeak : at === 1 ? strings.youNext
        : at > 1 ? fill(strings.yourPlace, { n: at }) : beyond && Object.keys(own.places).length ? "" : strings.notListed;
    }
    for (const form of root.querySelectorAll("form[data-lane]")) {
      const lane = form.dataset.lane;
      const listed = state.queue.some((entry) => mine(entry) && entry.lane === lane) || (beyond && lane in own.places);
      form.dataset.action = listed ? "lower" : "raise";
      form.action = listed ? form.dataset.lowerUrl : form.dataset.raiseUrl;
      const button = form.querySelector("button");
      button.textContent = listed ? button.dataset.lower : button.dataset.raise;
      if (lane === "reply") form.hidden = !listed && (!state.speaker || mine(state.speaker));
    }
    const times = $("[data-times] tbody");
    if (times) {
      times.replaceChildren(...state.times.map((t) => element("tr", {},
        element("td", { text: t.name }), element("td", { text: String(t.turns) }), element("td", { text: duration(t.seconds) }))));
      $("[data-times-total]").textContent = duration(state.spoken_seconds);
    }
  };

  const duration = (seconds) => {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
    return m ? `${m} min ${String(s).padStart(2, "0")} s` : `${s} s`;
  };

  const answerForm = (poll) => {
    const labels = answerLabels(poll, strings, lang);
    const form = element("form", { method: "post", action: `${window.location.pathname}/polls/${poll.id}/answer`, class: "stack answer-form", novalidate: true });
    form.dataset.action = "answer";
    form.dataset.poll = String(poll.id);
    const token = document.querySelector("input[name=csrf_token]");
    if (token) form.append(element("input", { type: "hidden", name: "csrf_token", value: token.value }));
    const ranked = poll.kind === "method" && !["approval", "score", "star", "majority-judgment"].includes(poll.method);
    const box = element("fieldset", { class: "choices-box" });
    if (poll.kind !== "method") {
      box.append(element("legend", { text: strings.chooseOne }), element("ul", { class: "choices" },
        ...labels.map((label, i) => element("li", {}, element("input", { type: "radio", name: "choice", id: `choice-${i}`, value: i }), " ",
          element("label", { for: `choice-${i}`, text: label })))));
    } else if (poll.method === "approval") {
      box.append(element("legend", { text: strings.approveHelp }), element("ul", { class: "choices" },
        ...labels.map((label, i) => element("li", {}, element("input", { type: "checkbox", name: "approve", id: `approve-${i}`, value: i + 1 }), " ",
          element("label", { for: `approve-${i}`, text: label })))));
    } else {
      const help = ranked ? strings.rankHelp : fill(strings.scoreHelp, { n: poll.max_score });
      box.append(element("legend", { text: help }));
      labels.forEach((label, i) => {
        const name = ranked ? `rank-${i}` : `score-${i}`;
        const values = ranked ? ["", ...labels.map((_l, r) => r + 1)] : Array.from({ length: poll.max_score + 1 }, (_v, n) => n);
        box.append(element("div", { class: "field rank-item" }, element("label", { for: name, text: label }),
          element("select", { id: name, name }, ...values.map((v) => element("option", { value: v,
            text: v === "" ? strings.notRanked : ranked ? fill(strings.rank, { n: v }) : String(v) })))));
      });
    }
    form.append(box, element("button", { type: "submit", class: "primary", text: strings.send }));
    return form;
  };

  let pollShown = "";
  const renderPoll = () => {
    const box = $("[data-poll-area]");
    if (!box) return;
    const poll = state.poll;
    const answered = poll && own.answered.includes(poll.id);
    const key = poll ? `${poll.id}:${poll.state}:${answered}:${JSON.stringify(poll.result)}` : "none";
    if (key === pollShown) return;
    pollShown = key;
    const holder = $("[data-poll-box]");
    if (holder) holder.hidden = !poll;
    const questionsBox = $("[data-questions-box]");
    if (questionsBox) questionsBox.hidden = Boolean(poll) || !state.questions.length;
    if (!poll) {
      box.replaceChildren(element("p", { text: strings.noPoll }));
      return;
    }
    const question = element("p", { class: view === "projector" ? "p-question" : "poll-question" },
      element(view === "projector" ? "span" : "strong", { text: pick(poll.question, lang) }));
    if (poll.state === "closed") box.replaceChildren(question, resultsTable(poll, strings, lang));
    else if (view === "projector") box.replaceChildren(question, element("p", {}, `${strings.answerHow} `, element("span", { "data-count": "" })));
    else if (answered) box.replaceChildren(question, element("p", { text: strings.answered }));
    else if (root.dataset.takePart) box.replaceChildren(question, answerForm(poll));
    else box.replaceChildren(question, element("p", { text: strings.resultsLater }));
  };

  const renderQuestions = () => {
    const list = $("[data-questions]");
    if (!list) return;
    const focused = document.activeElement && list.contains(document.activeElement)
      ? document.activeElement.closest("[data-question]")?.dataset.question : null;
    const shownQuestions = view === "projector" ? state.questions.slice(0, 5) : state.questions;
    list.replaceChildren(...shownQuestions.map((q) => {
      const item = element("li", { "data-question": q.id });
      const body = element("div", { class: "prose" });
      body.innerHTML = q.html; // sanitised by the server when it was written (civic.text.render_markdown)
      const supports = element("span", { "data-supports": "", class: view === "projector" ? "muted" : null, text: q.supports === 1 ? strings.supportsOne : fill(strings.supports, { n: q.supports }) });
      const meta = element("p", { class: "question-meta" }, supports);
      if (view === "projector") {
        item.append(body, " ", supports);
        return item;
      }
      if (own.asked.includes(q.id)) meta.append(element("span", { class: "muted", text: strings.yours }));
      else if (root.dataset.takePart) {
        const form = element("form", { method: "post", class: "inline", action: `${window.location.pathname}/questions/${q.id}/support` });
        form.dataset.action = "support";
        form.dataset.question = String(q.id);
        const token = document.querySelector("input[name=csrf_token]");
        if (token) form.append(element("input", { type: "hidden", name: "csrf_token", value: token.value }));
        form.append(element("button", { type: "submit", class: "secondary", "aria-pressed": own.supported.includes(q.id) ? "true" : "false", text: strings.support }));
        meta.append(form);
      }
      item.append(body, meta);
      return item;
    }));
    if (focused) list.querySelector(`[data-question="${focused}"] button`)?.focus();
    const empty = $("[data-questions-empty]");
    if (empty) empty.hidden = state.questions.length > 0;
    const pending = $("[data-pending]");
    if (pending) {
      // A question approved since shows on everyone's list: it no longer waits.
      const waiting = own.pending.filter((q) => !state.questions.some((shown) => shown.id === q.id));
      pending.hidden = !waiting.length;
      $("[data-pending-list]").replaceChildren(...waiting.map((q) => {
        const li = element("li", { class: "prose" });
        li.innerHTML = q.html; // sanitised by the server
        return li;
      }));
    }
  };

  const renderAgenda = () => {
    const list = $("[data-agenda]");
    if (!list) return;
    list.replaceChildren(...state.agenda.map((item) => {
      const current = state.item && state.item.id === item.id;
      return element("li", { class: current ? "current" : item.done ? "done" : null, "aria-current": current ? "step" : null },
        element("span", { text: pick(item.title, lang) }), " ", element("span", { class: "muted", text: `(${item.minutes} min)` }),
        current ? element("span", { class: "tag", text: strings.now }) : null);
    }));
  };

  const render = () => {
    renderNow();
    renderQueue();
    renderPoll();
    renderQuestions();
    renderAgenda();
  };

  // ---- what screen readers hear --------------------------------------------------------------------
  const announce = (before, after) => {
    if (before.state !== after.state) say(after.state === "running" ? strings.started : after.state === "ended" ? strings.ended : "");
    if ((after.item && after.item.id) !== (before.item && before.item.id) && after.item) say(fill(strings.nowItem, { title: pick(after.item.title, lang) }));
    if (after.poll && after.poll.state === "open" && (!before.poll || before.poll.id !== after.poll.id || before.poll.state !== "open")) {
      say(fill(strings.pollOpen, { question: pick(after.poll.question, lang) }));
    }
    if (after.poll && after.poll.state === "closed" && before.poll && before.poll.id === after.poll.id && before.poll.state === "open") say(strings.pollClosed);
    if (after.announcement && after.announcement !== before.announcement) {
      const text = element("div");
      text.innerHTML = after.announcement;
      say(`${strings.announcement} ${text.textContent.trim()}`);
    }
    if (view !== "participant" || !own.who) return;
    if (mine(after.speaker) && !mine(before.speaker)) alertRegion(strings.youSpeak);
    else if (myPlace(after) === 1 && myPlace(before) !== 1 && !mine(after.speaker)) say(strings.youNext);
  };

  const apply = (next, nextOwn, fresh) => {
    if (!fresh && next.version <= state.version) return;
    const before = state;
    next.offset = next.now - Date.now();
    state = next;
    if (nextOwn) own = nextOwn;
    if (!fresh || before.version !== next.version) announce(before, next);
    render();
    const refresh = $("[data-refresh]");
    if (refresh) refresh.textContent = strings.live;
  };

  // ---- the participant's gestures over the socket -------------------------------------------------
  const params = (form) => {
    const action = form.dataset.action;
    if (action === "raise" || action === "lower") return { lane: form.dataset.lane };
    if (action === "ask") return { text: form.querySelector("textarea").value };
    if (action === "support") return { question: Number(form.dataset.question) };
    const data = new FormData(form);
    const poll = state.poll;
    let choice = data.get("choice");
    if (poll.kind === "method") {
      const labels = answerLabels(poll, strings, lang);
      if (poll.method === "approval") {
        const ticked = data.getAll("approve").map(Number);
        choice = labels.map((_l, i) => (ticked.includes(i + 1) ? 1 : 0));
      } else if (data.has("rank-0")) {
        choice = labels.map((_l, i) => [Number(data.get(`rank-${i}`) || 0), i]).filter(([r]) => r > 0).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
      } else {
        choice = labels.map((_l, i) => Number(data.get(`score-${i}`)));
      }
    }
    return { poll: Number(form.dataset.poll), choice };
  };

  const showError = (form, message) => {
    const section = form.closest("section") || root;
    let box = section.querySelector("[data-form-error]");
    if (!box) {
      box = element("div", { class: "form-alert", role: "alert", "data-form-error": "" });
      section.querySelector("h2").after(box);
    }
    box.replaceChildren(element("p", { text: message }));
  };

  if (view === "participant") {
    for (const form of root.querySelectorAll("form[data-lane]")) {
      const raise = form.dataset.action === "raise";
      form.dataset.raiseUrl = raise ? form.action : form.action.replace(/\/hand\/lower$/, "/hand");
      form.dataset.lowerUrl = raise ? form.action.replace(/\/hand$/, "/hand/lower") : form.action;
    }
    root.addEventListener("submit", async (event) => {
      const form = event.target.closest("form[data-action]");
      if (!form || !socket || !socket.connected) return; // the form goes the ordinary way
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      const answer = await act(socket, session, form.dataset.action, params(form));
      if (button) button.disabled = false;
      if (!answer.ok) {
        if (answer.error === "timeout") form.submit();
        else showError(form, answer.message);
        return;
      }
      (form.closest("section") || root).querySelector("[data-form-error]")?.remove();
      if (answer.own) own = answer.own;
      // An answer's acknowledgement carries no `own` (a thousand come in seconds): the page marks the poll.
      if (form.dataset.action === "answer" && state.poll && !own.answered.includes(state.poll.id)) {
        own = { ...own, answered: [...own.answered, state.poll.id] };
      }
      if (form.dataset.action === "ask") form.reset();
      render();
      say(answer.message);
      if (form.dataset.action === "answer") $("#poll-title")?.focus();
    });
  }

  render();
  startClocks(root, () => state, strings);
  socket = follow(root, view, apply, {
    "live.count": (data) => {
      if (!data || data.session !== session || !state.poll || state.poll.id !== data.poll) return;
      const count = $("[data-count]");
      if (count) count.textContent = data.answers === 1 ? strings.answersOne : fill(strings.answers, { n: data.answers });
    },
  });
  socket.on("disconnect", () => {
    const refresh = $("[data-refresh]");
    if (refresh) refresh.textContent = strings.offline;
  });
}
