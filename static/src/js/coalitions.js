// Live coalition and position pages: new endorsements, changes and revocations arrive without a reload.
// Progressive enhancement only: without this file the pages show the same after a reload. Counts are
// updated in place; on the coalition page each change is added to a "Just now" list; every change is
// announced in a polite live region, and focus never moves by itself.
import { channel } from "./realtime.js";

const box = document.querySelector(".position-live[data-position]");
if (box) {
  const position = Number(box.dataset.position);
  const live = box.querySelector("[data-live]");
  const justNow = box.querySelector("[data-just-now]");
  const list = box.querySelector("[data-just-now-list]");
  const announce = (text) => {
    // Cleared first, so that the same words twice are read twice.
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 50);
  };
  const setCounts = (prefix, counts) => {
    if (!counts) return;
    for (const [stance, value] of Object.entries(counts)) {
      const cell = box.querySelector(`[data-count="${prefix}-${stance}"]`);
      if (cell && Number.isInteger(value)) cell.textContent = String(value);
    }
  };
  const addItem = (data, name) => {
    if (!list || !justNow) return;
    const item = document.createElement("li");
    const who = document.createElement("strong");
    who.textContent = name;
    const stance = document.createElement("span");
    stance.className = `stance stance-${data.stance}`;
    stance.textContent = box.dataset[`stance${data.stance.replace(/(^|_)([a-z])/g, (_m, _s, c) => c.toUpperCase())}`] || data.stance;
    item.append(who, " ", stance);
    if (data.organisation) {
      const tag = document.createElement("span");
      tag.className = data.verified ? "tag" : "tag tag-muted";
      tag.textContent = data.verified ? box.dataset.labelVerified : box.dataset.labelUnverified;
      item.append(" ", tag);
    }
    list.prepend(item);
    justNow.hidden = false;
  };

  const socket = channel("/coalitions");
  socket.on("connect", () => socket.emit("join", { position }));
  socket.on("coalition.endorsement", (data) => {
    if (!data || data.position !== position) return;
    if (data.counts) {
      setCounts("organisations", data.counts.organisations);
      setCounts("unverified", data.counts.unverified);
      setCounts("citizens", data.counts.citizens);
      const badge = box.querySelector("[data-badge-count]");
      if (badge && Number.isInteger(data.counts.badge)) badge.textContent = String(data.counts.badge);
    }
    if (["given", "reconfirmed"].includes(data.event) && data.active) {
      const name = data.name || box.dataset.announceAnonymous;
      addItem(data, name);
      announce(box.dataset.announceGiven.replace("{name}", name));
    }
  });
  socket.on("coalition.version", (data) => {
    if (data && data.position === position && data.version !== Number(box.dataset.version)) {
      announce(box.dataset.newVersion);
    }
  });
}
