// The header's unread-notification count, live. Progressive enhancement only: without this file the
// count is right on every page load. When a notification arrives the count changes in place and is
// announced in a polite live region; focus never moves.
import { channel } from "./realtime.js";

const link = document.querySelector("a[data-notifications]");
const text = link?.querySelector("[data-count-text]");
const live = document.querySelector("[data-count-live]");
if (link && text && live) {
  const userId = Number(link.dataset.userId);
  let shown = Number(link.dataset.count || "0");

  // The event carries a number; the wording, in the reader's language, comes from the server.
  const refresh = async () => {
    const response = await fetch(link.dataset.countUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const data = await response.json();
    text.textContent = data.unread ? ` (${data.label})` : "";
    if (data.unread > shown) {
      // Cleared first so that the same sentence twice is read twice.
      live.textContent = "";
      window.setTimeout(() => { live.textContent = data.announcement; }, 50);
    }
    shown = data.unread;
  };
  const update = (unread) => {
    if (typeof unread === "number" && unread !== shown) refresh();
  };

  const socket = channel("/notifications");
  // Joining answers with the count now: a page that was disconnected catches up.
  socket.on("connect", () => socket.emit("join", { user: userId }, (answer) => update(answer?.unread)));
  socket.on("notifications.unread", (event) => update(event.unread));
}
