// The live preview of the editing view: the formatted text as readers will see it, beside (desktop) or
// under (phone) the editor. The server renders it through the one sanitiser of user text (civic/text.py),
// so the preview is exactly what the reading page will show and no markdown or HTML library is shipped.
// The text is sent a moment after typing pauses, one request at a time, the newest text winning.
// The answer is sanitised HTML; it is parsed in an inert document (DOMParser runs no script and loads
// nothing) and its nodes moved into the page, never assigned as markup of the live page.
const PAUSE_MS = 600;

/**
 * Options: url (POST: text, csrf_token), token, read() (the current text), target (the preview element),
 * note (its hint, where a failure is said), t (texts).
 */
export function livePreview({ url, token, read, target, note, t }) {
  let timer = null;
  let busy = false;
  let pending = null; // a text that arrived while a request was out
  let shown = null;

  const say = (text) => {
    if (note) note.textContent = text;
  };

  async function send(text) {
    busy = true;
    try {
      const body = new FormData();
      body.append("text", text);
      body.append("csrf_token", token);
      const response = await fetch(url, { method: "POST", body, credentials: "same-origin", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const inert = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
      const nodes = [...inert.body.childNodes];
      if (!nodes.length) {
        const empty = document.createElement("p");
        empty.textContent = t("previewEmpty");
        nodes.push(empty);
      }
      target.replaceChildren(...nodes);
      shown = text;
      say(t("previewHint"));
    } catch {
      say(t("previewUnavailable"));
    } finally {
      busy = false;
      if (pending !== null && pending !== shown) {
        const next = pending;
        pending = null;
        send(next);
      }
    }
  }

  return {
    /** The text changed (typed here or arriving from others): preview it once typing pauses. */
    changed() {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const text = read();
        if (text === shown) return;
        if (busy) pending = text;
        else send(text);
      }, PAUSE_MS);
    },
    /** The text the preview shows already (the server rendered it with the page). */
    showing(text) {
      shown = text;
    },
  };
}
