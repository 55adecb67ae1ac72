// Live discussion: new comments, edits and hides arrive without a reload. Progressive enhancement only:
// without this file every action works with plain forms and a reload.
// New comments are never pushed into the page under the reader's eyes: a button says how many arrived
// and inserts them when pressed. Changes are announced in a polite live region; focus never moves by itself.
import { channel } from "./realtime.js";

const section = document.querySelector("section.discussion[data-thread-id]");
if (section) {
  const threadId = Number(section.dataset.threadId);
  const live = section.querySelector("[data-live]");
  const button = section.querySelector("[data-show-new]");
  const list = section.querySelector("[data-comments]");
  const fragmentBase = section.dataset.fragmentUrl.replace(/0\/fragment$/, "");
  const pagePath = window.location.pathname + window.location.search;
  const pending = [];

  const announce = (text) => {
    // Clear first so that the same message twice is read twice.
    live.textContent = "";
    window.setTimeout(() => { live.textContent = text; }, 50);
  };
  const fetchComment = async (id) => {
    const response = await fetch(`${fragmentBase}${id}/fragment?next=${encodeURIComponent(pagePath)}`, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) return null;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    return template.content.firstElementChild;
  };
  const countText = (n) => (n === 1 ? section.dataset.newOne : section.dataset.newOther.replace("{n}", String(n)));
  const updateButton = () => {
    if (!pending.length) {
      button.hidden = true;
      return;
    }
    button.textContent = `${countText(pending.length)} — ${section.dataset.show}`;
    button.hidden = false;
  };

  // A top-level comment belongs on this page only if it is the page where it would appear.
  const placeable = (event) => {
    if (document.getElementById(`comment-${event.comment_id}`)) return false;
    if (event.parent_id) return Boolean(document.getElementById(`comment-${event.parent_id}`));
    return section.dataset.sort === "newest" || section.dataset.lastPage === "true";
  };

  const insert = (event, element) => {
    if (!event.parent_id) {
      section.querySelector("[data-empty]")?.remove();
      if (section.dataset.sort === "newest") list.prepend(element);
      else list.append(element);
      return;
    }
    const parent = document.getElementById(`comment-${event.parent_id}`);
    if (!parent) return;
    const level = Number(parent.dataset.level || "0") + 1;
    if (level > 3) return; // deeper replies live behind "continue this thread"
    element.dataset.level = String(level);
    let replies = parent.querySelector(":scope > ol.replies");
    if (!replies) {
      replies = document.createElement("ol");
      replies.className = "replies";
      parent.querySelector(":scope > article").after(replies);
    }
    replies.append(element);
  };

  button.addEventListener("click", async () => {
    const batch = pending.splice(0, pending.length);
    updateButton();
    let first = null;
    for (const event of batch) {
      const element = await fetchComment(event.comment_id);
      if (!element || document.getElementById(element.id)) continue;
      element.classList.add("comment-new");
      insert(event, element);
      first = first || element;
    }
    if (first) {
      // The reader asked for them: take them to the first one (the button they pressed is gone).
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });

  const refresh = async (id, message) => {
    const current = document.getElementById(`comment-${id}`);
    if (!current) return;
    const element = await fetchComment(id);
    if (!element) return;
    // Only the text and its meta line change: forms the reader may be using stay untouched.
    for (const selector of ["[data-content]", ".comment-meta"]) {
      const fresh = element.querySelector(`:scope > article ${selector}`);
      const old = current.querySelector(`:scope > article ${selector}`);
      if (fresh && old) old.replaceWith(fresh);
    }
    const actions = current.querySelector(":scope > article .comment-actions");
    if (actions && !element.querySelector(":scope > article .comment-actions")) {
      if (!actions.contains(document.activeElement)) actions.remove();
    }
    announce(message);
  };

  const socket = channel("/discussion");
  socket.on("connect", () => socket.emit("join", { thread: threadId }));
  socket.on("comment.created", (event) => {
    if (event.thread_id !== threadId || !placeable(event)) return;
    if (pending.some((p) => p.comment_id === event.comment_id)) return;
    pending.push(event);
    updateButton();
    announce(countText(pending.length));
  });
  socket.on("comment.edited", (event) => refresh(event.comment_id, section.dataset.edited));
  socket.on("comment.hidden", (event) => refresh(event.comment_id, section.dataset.hidden));
  socket.on("comment.deleted", (event) => refresh(event.comment_id, section.dataset.deleted));
  socket.on("comment.restored", (event) => refresh(event.comment_id, section.dataset.restored));
  socket.on("thread.locked", () => announce(section.dataset.locked));
}
