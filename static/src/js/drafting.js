// Real-time co-drafting on a document page: CodeMirror 6 bound to the shared Yjs text, with presence,
// remote cursors, shared undo and a "who wrote what" toggle. Progressive enhancement: the page's
// <form id="drafting-form"> works without JavaScript and stays in place until the connection has opened and
// synced; if the live editor never becomes available, the form is still there.
// Announcements go to the page's polite status region; focus is never moved.
import { DraftingSession } from "./drafting/session.js";
import { createEditor, authorRuns } from "./drafting/editor.js";
import { strings } from "./drafting/strings.js";
import { people, renderPresence, swatch } from "./drafting/presence.js";
import { amendButton } from "./drafting/amend.js";
import { formatButtons } from "./drafting/format.js";
import { livePreview } from "./drafting/preview.js";

const section = document.getElementById("drafting");
if (section && section.dataset.document) start(section);

function start(section) {
  const t = strings(section);
  const d = section.dataset;
  const form = document.getElementById("drafting-form");
  const mount = document.getElementById("drafting-editor");
  const presence = document.getElementById("drafting-presence");
  const status = document.getElementById("drafting-status");
  const maxBytes = Number(d.maxBytes) || 0;

  let lastSaid = "";
  const announce = (text) => {
    if (!status || text === lastSaid) return;
    lastSaid = text;
    status.textContent = "";
    // Cleared first so that a repeated message is read again.
    window.setTimeout(() => { status.textContent = text; }, 50);
  };

  const session = new DraftingSession(d.sync, {
    user: { name: d.userName || "?", color: d.userColor || "#30bced" },
  });
  let role = d.role || "viewer";
  let mode = d.mode || "";
  let editor = null;
  let reconnecting = false;
  let welcomed = false; // the server has said which role this connection has
  let peopleCount = 0;
  let peopleTimer = null;

  const canEdit = () => role === "editor";
  // Amendments are proposed in suggest mode by everyone who is more than a reader (as the page's link says).
  const canAmend = () => Boolean(d.amendUrl) && mode === "suggest" && role !== "viewer";
  const amend = amendButton({ url: d.amendUrl, t, announce });
  const format = formatButtons(t);
  const preview = previewOf(d, form, session, t);
  const roleNotice = () => (role === "suggester" ? t("suggester") : role === "viewer" ? t("viewer") : "");

  // Who wrote what: names of clients come from presence (people here now); others are "not here now".
  const describeAuthor = (client) => {
    const state = session.awareness.getStates().get(client);
    if (state && state.user) return { name: String(state.user.name), color: state.user.color };
    return { name: t("absent"), color: "#767676" };
  };

  function toolbar() {
    const bar = document.createElement("div");
    bar.className = "drafting-toolbar";
    const authorsButton = document.createElement("button");
    authorsButton.type = "button";
    authorsButton.className = "secondary";
    authorsButton.setAttribute("aria-pressed", "false");
    authorsButton.textContent = t("authorsButton");
    const legend = document.createElement("div");
    legend.className = "drafting-authors";
    legend.id = "drafting-authors";
    legend.hidden = true;
    authorsButton.setAttribute("aria-controls", legend.id);
    authorsButton.addEventListener("click", () => {
      const on = authorsButton.getAttribute("aria-pressed") !== "true";
      authorsButton.setAttribute("aria-pressed", String(on));
      legend.hidden = !on;
      editor.setAuthorship(on);
      if (on) renderLegend(legend);
    });
    bar.append(authorsButton, amend.button);
    return { bar, legend };
  }

  function renderLegend(legend) {
    const seen = new Map();
    for (const run of authorRuns(session.text)) {
      const who = describeAuthor(run.client);
      const key = `${who.name}\u0000${who.color}`;
      seen.set(key, (seen.get(key) || 0) + (run.to - run.from));
    }
    const intro = document.createElement("p");
    intro.textContent = t("authorsLegend");
    const list = document.createElement("ul");
    for (const [key] of [...seen.entries()].sort((a, b) => b[1] - a[1])) {
      const [name, color] = key.split("\u0000");
      const li = document.createElement("li");
      li.append(swatch(color), document.createTextNode(name));
      list.append(li);
    }
    legend.replaceChildren(intro, list);
    // The server's attribution page names everyone, present or not: point to it when the page links it.
    const full = document.querySelector('a[href$="/authors"]');
    if (full) {
      const more = document.createElement("p");
      const link = full.cloneNode(true);
      link.removeAttribute("aria-current");
      link.removeAttribute("id");
      more.append(link);
      legend.append(more);
    }
  }

  function mountEditor() {
    const labelElement = document.querySelector('label[for="drafting-text"]');
    const heading = document.querySelector("h1");
    const label = (labelElement && labelElement.textContent.trim()) || (heading && heading.textContent.trim()) || t("editorLabel");
    const { bar, legend } = toolbar();
    const surface = document.createElement("div");
    surface.className = "drafting-surface";
    // Tab order: formatting buttons, "who wrote what", the amendment button, then the text.
    mount.replaceChildren(format.group, bar, amend.hint, legend, surface);
    editor = createEditor(surface, {
      ytext: session.text,
      awareness: session.awareness,
      editable: canEdit(),
      label,
      maxBytes,
      onTooLong: () => announce(t("tooLong")),
      describeAuthor,
    });
    editor.legend = legend;
    amend.attach(editor.view);
    amend.setAvailable(canAmend());
    format.attach(editor.view);
    format.setAvailable(canEdit());
    mount.hidden = false;
    if (form) form.hidden = true;
    if (preview) preview.changed(); // others may have written since the page was made
  }

  function showPresence() {
    const everyone = people(session.awareness);
    if (presence) renderPresence(presence, everyone, t);
    if (editor && !editor.legend.hidden) renderLegend(editor.legend);
    // While disconnected the others only seem gone: the status keeps saying we are reconnecting.
    if (welcomed && !reconnecting && everyone.length !== peopleCount) {
      peopleCount = everyone.length;
      window.clearTimeout(peopleTimer);
      // Said once things settle, not at every arrival of a crowd.
      peopleTimer = window.setTimeout(() => {
        if (!reconnecting) announce(t("people", { n: peopleCount }));
      }, 1500);
    }
  }

  // A connection message is never covered by a count of people computed before it.
  const sayConnection = (text) => {
    window.clearTimeout(peopleTimer);
    announce(text);
  };

  const setRole = (next, message) => {
    const before = role;
    role = next || role;
    section.dataset.role = role;
    amend.setAvailable(canAmend());
    format.setAvailable(canEdit());
    if (editor && before !== role) {
      editor.setEditable(canEdit());
      announce(message || (canEdit() ? t("nowEditable") : t("nowReadOnly")));
    } else if (message) {
      announce(message);
    }
  };
  // Each connection opens with the role the server grants (the cap on editors may lower it).
  session.on("welcome", (welcome) => {
    setRole(welcome.role, welcome.message);
    welcomed = true;
  });
  session.on("role", (next) => setRole(next));
  session.on("synced", () => {
    mountEditor();
    showPresence();
    announce(roleNotice() || t("connected"));
  });
  session.on("status", (state) => {
    if (state === "reconnecting") {
      reconnecting = true;
      sayConnection(t("reconnecting"));
    } else if (state === "connecting" && !editor) {
      sayConnection(t("connecting"));
    } else if (state === "connected" && reconnecting && !session.unsaved) {
      reconnecting = false;
      sayConnection(t("reconnected"));
    }
  });
  session.on("saved", () => {
    if (reconnecting) {
      reconnecting = false;
      sayConnection(t("reconnected"));
    }
  });
  session.on("error", (error) => {
    announce(t("notSaved", { reason: error.message || error.code || t("refused") }));
  });
  session.on("refused", (error) => {
    // Read-only now: the server also says so with the new role; until then nothing more is typed.
    if (error.code === "forbidden" && editor) editor.setEditable(false);
  });
  // The server re-checks the role itself after a change of mode; the button follows the mode.
  session.on("mode", (next) => {
    mode = next || mode;
    section.dataset.mode = mode;
    amend.setAvailable(canAmend());
  });
  session.provider.on("connection-error", () => {
    if (!editor) announce(t("noConnection"));
  });
  session.awareness.on("change", showPresence);
  // Every change, typed here or arriving from others, reaches the preview once typing pauses.
  if (preview) session.text.observe(() => preview.changed());

  window.addEventListener("beforeunload", (event) => {
    if (session.unsaved) {
      event.preventDefault();
      event.returnValue = t("leaving");
    }
  });
  window.addEventListener("pagehide", () => session.goodbye());
}

// The preview beside the editor, for editors (the page has no preview for the others), or null.
function previewOf(d, form, session, t) {
  const target = document.getElementById("drafting-preview");
  const token = form && form.querySelector("input[name=csrf_token]");
  if (!target || !token || !d.previewUrl) return null;
  const preview = livePreview({
    url: d.previewUrl,
    token: token.value,
    read: () => session.text.toString(),
    target,
    note: document.getElementById("drafting-preview-hint"),
    t,
  });
  const textarea = form.querySelector("textarea");
  if (textarea) preview.showing(textarea.value); // what the server rendered the preview from
  return preview;
}
