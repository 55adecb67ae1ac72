// What the participants' page, the projector and the console share: the session's socket, the clocks,
// the reader's language, and announcements to screen readers.
import { channel } from "../realtime.js";

export const pick = (pair, lang) => (lang === "en" ? pair[1] || pair[0] : pair[0] || pair[1]) || "";

export const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, key) => String(values[key] ?? ""));

// Seconds left as m:ss, or −m:ss over time.
export const clockText = (seconds) => {
  const left = Math.abs(seconds);
  return `${seconds < 0 ? "−" : ""}${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`;
};

export const element = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
};

// A live region that says each message once, even the same one twice in a row.
export const speaker = (region) => (text) => {
  if (!region || !text) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 60);
};

// The labels of a poll's answers in the reader's language.
export const answerLabels = (poll, strings, lang) => {
  if (poll.kind === "yes-no") return [strings.yes, strings.no, strings.abstain];
  if (poll.kind === "consent") return [strings.agree, strings.abstain, strings.disagree, strings.block];
  return poll.options.map((pair) => pick(pair, lang));
};

export const outcomeText = (poll, strings, labels) => {
  const result = poll.result || {};
  if (poll.kind === "yes-no") return { yes: strings.moreYes, no: strings.moreNo, tie: strings.tie }[result.outcome] || "";
  if (poll.kind === "consent") {
    return { passes: strings.consent, blocked: strings.blocked, "no-agreement": strings.noAgreement }[result.outcome] || "";
  }
  if (poll.kind === "choice") {
    const leading = result.leading || [];
    return leading.length ? fill(strings.mostChosen, { options: leading.map((i) => labels[i]).join(", ") }) : "";
  }
  return "";
};

// A closed poll's results as a table, as templates/live/_results.html shows them.
export const resultsTable = (poll, strings, lang) => {
  const result = poll.result || {};
  const labels = answerLabels(poll, strings, lang);
  const box = element("div");
  const answered = fill(Number(result.answers) === 1 ? strings.answersOnlineOne : strings.answersOnline, { n: result.answers || 0 });
  if (poll.kind === "method") {
    box.append(element("p", { text: answered }));
    const winners = result.winners || [];
    if (winners.length) {
      box.append(element("p", { class: "outcome" }, element("strong", { text: strings.winners }), ` ${winners.map((i) => labels[i]).join(", ")}`));
    }
    (result.rounds || []).forEach((round, number) => {
      const body = element("tbody");
      labels.forEach((label, index) => {
        const tally = round.tallies[String(index)];
        if (tally === undefined) return;
        body.append(element("tr", { class: winners.includes(index) ? "leading" : null },
          element("th", { scope: "row", text: label }), element("td", { text: String(tally) })));
      });
      box.append(element("table", { class: "data results" },
        element("caption", { text: fill(strings.round, { n: number + 1 }) }), body));
    });
    return box;
  }
  const hands = result.hands;
  const totals = result.totals || [];
  const sum = totals.reduce((a, b) => a + b, 0);
  const top = Math.max(0, ...totals);
  const head = element("tr", {}, element("th", { scope: "col", text: strings.answer }));
  if (hands) head.append(element("th", { scope: "col", text: strings.online }), element("th", { scope: "col", text: strings.hands }));
  head.append(element("th", { scope: "col", text: strings.total }));
  const body = element("tbody");
  labels.forEach((label, index) => {
    const total = totals[index] || 0;
    const share = sum ? Math.round((100 * total) / sum) : 0;
    const row = element("tr", { class: top && total === top ? "leading" : null }, element("th", { scope: "row", text: label }));
    if (hands) row.append(element("td", { text: String(result.counts[index]) }), element("td", { text: String(hands[index]) }));
    row.append(element("td", {}, element("span", { class: "bar-figure", text: String(total) }), " ",
      element("span", { class: "muted", text: `(${share} %)` }),
      element("span", { class: "bar", "aria-hidden": "true" }, element("span", { class: `bar-fill bar-${Math.round(share / 5)}` }))));
    body.append(row);
  });
  const caption = hands ? `${answered} · ${strings.withHands}` : answered;
  box.append(element("table", { class: "data results" }, element("caption", { text: caption }), element("thead", {}, head), body));
  const outcome = outcomeText(poll, strings, labels);
  if (outcome) box.append(element("p", { class: "outcome" }, element("strong", { text: outcome })));
  return box;
};

// Keep the page's countdowns in step with the server's clock (every screen shows the same time left).
export const startClocks = (root, getState, strings) => {
  const tick = () => {
    const state = getState();
    const now = Date.now() + (state.offset || 0);
    const timers = {
      item: state.item && state.item.started_at ? state.item.started_at + state.item.seconds * 1000 : null,
      turn: state.speaker && state.speaker.started_at && state.speaker.seconds ? state.speaker.started_at + state.speaker.seconds * 1000 : null,
    };
    for (const clock of root.querySelectorAll("[data-clock]")) {
      const end = timers[clock.dataset.clock];
      if (end === null || end === undefined) continue;
      const left = Math.round((end - now) / 1000);
      const text = clockText(left);
      if (clock.textContent !== text) clock.textContent = text;
      clock.classList.toggle("over", left < 0);
      const note = clock.parentElement.querySelector("[data-over]");
      if (left < 0 && !note) clock.after(" ", element("span", { "data-over": "", text: `(${strings.over})` }));
      if (left >= 0 && note) note.remove();
    }
  };
  tick();
  window.setInterval(tick, 500);
};

// Join the session's room (again after every reconnection) and hand each newer state to `apply`.
export const follow = (root, view, apply, extra = {}) => {
  const session = Number(root.dataset.session);
  const socket = channel("/live");
  socket.on("connect", () => {
    socket.emit("join", { session, view }, (answer) => {
      if (answer && answer.ok) apply(answer.state, answer.own, true);
    });
  });
  socket.on("live.state", (state) => {
    if (state && state.session === session) apply(state, null, false);
  });
  for (const [event, handler] of Object.entries(extra)) socket.on(event, handler);
  return socket;
};

// Send one action; resolve with the server's answer ({ok, message, own} or {ok: false, error, message}).
export const act = (socket, session, action, params) =>
  new Promise((resolve) => {
    socket.timeout(10000).emit("act", { session, action, ...params }, (error, answer) => {
      resolve(error ? { ok: false, error: "timeout", message: "" } : answer);
    });
  });
