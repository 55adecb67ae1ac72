// Progressive enhancement of the ranked ballot: reorder by dragging or with move-up / move-down
// buttons, each move announced to screen readers. The rank selects stay what the form sends (they are
// hidden, kept in step with the list), so the server sees the same ballot as without JavaScript.
// Also: copy and print buttons on the receipt page.

function announce(region, text) {
  region.textContent = "";
  // A fresh text node after clearing makes screen readers speak repeated messages too.
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function fill(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));
}

// A visible word beside the symbol (people who do not read arrows), the option's name for screen readers.
function button(symbol, word, label, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary rank-button";
  b.dataset.action = action;
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = `${symbol} `;
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.textContent = ` : ${label}`;
  b.append(shown, word, spoken);
  return b;
}

function enhanceRanking(list) {
  const d = list.dataset;
  const items = [...list.querySelectorAll(".rank-item")].map((li) => ({
    select: li.querySelector("select"),
    label: li.querySelector("label").textContent.trim(),
    option: li.dataset.option,
    link: li.querySelector("a.option-link"), // to the proposal the option stands for, if any
  }));
  const chosen = items.filter((i) => i.select.value).map((i) => Number(i.select.value));
  const consistent = new Set(chosen).size === chosen.length && chosen.every((r) => r >= 1 && r <= chosen.length);
  if (!consistent) return; // a ballot sent back with gaps or duplicates: let the person fix the selects
  let ranked = items.filter((i) => i.select.value).sort((a, b) => Number(a.select.value) - Number(b.select.value));

  const ui = document.createElement("div");
  ui.className = "ranker";
  const help = document.createElement("p");
  help.className = "hint";
  help.textContent = d.drag;
  const rankedHeading = document.createElement("h3");
  rankedHeading.id = "ranked-heading";
  rankedHeading.textContent = d.rankedLabel;
  const rankedList = document.createElement("ol");
  rankedList.className = "ranked";
  rankedList.setAttribute("aria-labelledby", "ranked-heading");
  const otherHeading = document.createElement("h3");
  otherHeading.id = "unranked-heading";
  otherHeading.textContent = d.unrankedLabel;
  const otherList = document.createElement("ul");
  otherList.className = "unranked";
  otherList.setAttribute("aria-labelledby", "unranked-heading");
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("aria-live", "assertive");
  ui.append(help, rankedHeading, rankedList, otherHeading, otherList, live);
  list.hidden = true;
  list.after(ui);

  // Dragging: a row dropped on a ranked row takes its place, the rows between moving by one; dropped
  // between rows it goes there, below the last one it comes last; dropped on the list of unranked
  // options it leaves the ranking. The buttons do the same from the keyboard.
  let dragged = null;
  const itemOf = (li) => (li ? items.find((i) => i.option === li.dataset.option) : undefined);
  const rowAt = (node) => (node instanceof Element ? node.closest("li[data-option]") : null);

  function clearMarks() {
    ui.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
  }

  function place(item, target, between) {
    const from = ranked.indexOf(item);
    ranked = ranked.filter((i) => i !== item);
    if (!target || !ranked.includes(target)) {
      ranked.push(item);
      return;
    }
    // Onto a row: from above it goes after it, from below (or from the unranked list) before it.
    // Between rows: before the row below the pointer.
    const to = ranked.indexOf(target);
    ranked.splice(!between && from >= 0 && from <= to ? to + 1 : to, 0, item);
  }

  function rowBelow(y) {
    return [...rankedList.querySelectorAll("li[data-option]")].find((li) => li.getBoundingClientRect().top > y);
  }

  ui.addEventListener("dragstart", (event) => {
    const item = itemOf(rowAt(event.target));
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.label);
  });
  ui.addEventListener("dragend", () => { dragged = null; clearMarks(); });
  [rankedList, otherList].forEach((zone) => {
    zone.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      const mark = (zone === rankedList && rowAt(event.target)) || zone;
      if (!mark.classList.contains("drop-target")) {
        clearMarks();
        mark.classList.add("drop-target");
      }
    });
    zone.addEventListener("drop", (event) => {
      if (!dragged) return;
      event.preventDefault();
      const item = dragged;
      dragged = null;
      clearMarks();
      if (zone === otherList) {
        if (!ranked.includes(item)) return;
        ranked = ranked.filter((i) => i !== item);
      } else {
        const onto = rowAt(event.target);
        const target = itemOf(onto || rowBelow(event.clientY));
        if (target === item) return;
        place(item, target, !onto);
      }
      render();
      moved(item);
    });
  });

  function sync() {
    items.forEach((i) => { i.select.value = ""; });
    ranked.forEach((i, k) => { i.select.value = String(k + 1); });
  }

  function moved(item) {
    const rank = ranked.indexOf(item);
    if (rank < 0) announce(live, fill(d.removed, { option: item.label }));
    else announce(live, fill(d.moved, { option: item.label, rank: rank + 1, total: ranked.length }));
  }

  function focusOn(item, preferred) {
    const li = ui.querySelector(`[data-option="${item.option}"]`);
    if (!li) return;
    const target = li.querySelector(`[data-action="${preferred}"]:not([disabled])`) || li.querySelector("button:not([disabled])");
    if (target) target.focus();
  }

  function act(item, action) {
    const at = ranked.indexOf(item);
    if (action === "up" && at > 0) [ranked[at - 1], ranked[at]] = [ranked[at], ranked[at - 1]];
    else if (action === "down" && at >= 0 && at < ranked.length - 1) [ranked[at + 1], ranked[at]] = [ranked[at], ranked[at + 1]];
    else if (action === "add") ranked.push(item);
    else if (action === "remove") ranked = ranked.filter((i) => i !== item);
    else return;
    render();
    moved(item);
    focusOn(item, action === "add" ? "up" : action === "remove" ? "add" : action);
  }

  function row(item, rank) {
    const li = document.createElement("li");
    li.dataset.option = item.option;
    const name = document.createElement("span");
    name.className = "rank-name";
    name.textContent = item.label;
    li.append(name);
    if (item.link) li.append(item.link.cloneNode(true));
    const tools = document.createElement("span");
    tools.className = "rank-tools";
    if (rank >= 0) {
      li.draggable = true;
      li.className = "rank-row";
      const up = button("↑", d.up, item.label, "up");
      const down = button("↓", d.down, item.label, "down");
      up.disabled = rank === 0;
      down.disabled = rank === ranked.length - 1;
      tools.append(up, down, button("✕", d.removeWord, item.label, "remove"));
    } else {
      li.draggable = true;
      li.className = "rank-row unranked-row";
      tools.append(button("+", d.addWord, item.label, "add"));
    }
    tools.addEventListener("click", (event) => {
      const b = event.target.closest("button");
      if (b) act(item, b.dataset.action);
    });
    li.append(tools);
    return li;
  }

  function render() {
    sync();
    rankedList.replaceChildren(...ranked.map((item, k) => row(item, k)));
    if (!ranked.length) {
      const empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = d.empty;
      rankedList.append(empty);
    }
    otherList.replaceChildren(...items.filter((i) => !ranked.includes(i)).map((item) => row(item, -1)));
    otherHeading.hidden = otherList.children.length === 0;
  }

  render();
}

function enhanceReceipt(tools) {
  const code = document.getElementById(tools.dataset.copyTarget);
  if (!code) return;
  if (navigator.clipboard) {
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "secondary";
    copy.textContent = tools.dataset.copyLabel;
    const done = document.createElement("span");
    copy.addEventListener("click", () => {
      navigator.clipboard.writeText(code.textContent.trim()).then(() => { done.textContent = ` ${tools.dataset.copied}`; });
    });
    tools.append(copy, done);
  }
  const print = document.createElement("button");
  print.type = "button";
  print.className = "secondary";
  print.textContent = tools.dataset.printLabel;
  print.addEventListener("click", () => window.print());
  tools.append(" ", print);
}

document.querySelectorAll(".ballot-ranked .rank-list").forEach(enhanceRanking);
document.querySelectorAll(".receipt-tools").forEach(enhanceReceipt);
