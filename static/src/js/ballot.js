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

function button(text, hiddenText, action) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "secondary rank-button";
  b.dataset.action = action;
  const shown = document.createElement("span");
  shown.setAttribute("aria-hidden", "true");
  shown.textContent = text;
  const spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.textContent = hiddenText;
  b.append(shown, spoken);
  return b;
}

function enhanceRanking(list) {
  const d = list.dataset;
  const items = [...list.querySelectorAll(".rank-item")].map((li) => ({
    select: li.querySelector("select"),
    label: li.querySelector("label").textContent.trim(),
    option: li.dataset.option,
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

  let dragged = null;

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
    const tools = document.createElement("span");
    tools.className = "rank-tools";
    if (rank >= 0) {
      li.draggable = true;
      li.className = "rank-row";
      const up = button("↑", `${d.up} : ${item.label}`, "up");
      const down = button("↓", `${d.down} : ${item.label}`, "down");
      up.disabled = rank === 0;
      down.disabled = rank === ranked.length - 1;
      tools.append(up, down, button("✕", `${d.remove} : ${item.label}`, "remove"));
      li.addEventListener("dragstart", (event) => {
        dragged = item;
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", item.option);
      });
      li.addEventListener("dragover", (event) => { event.preventDefault(); });
      li.addEventListener("drop", (event) => {
        event.preventDefault();
        if (!dragged || dragged === item) return;
        // Dropped on a row below: it goes after that row; on a row above: before it.
        const to = ranked.indexOf(item);
        ranked = ranked.filter((i) => i !== dragged);
        ranked.splice(to, 0, dragged);
        const which = dragged;
        dragged = null;
        render();
        moved(which);
      });
    } else {
      li.className = "rank-row unranked-row";
      tools.append(button("+", `${d.add} : ${item.label}`, "add"));
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
