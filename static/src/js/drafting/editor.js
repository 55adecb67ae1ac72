// The CodeMirror 6 editor bound to the shared Y.Text, with remote cursors, shared undo and the
// "who wrote what" colouring.
//
// Content-Security-Policy (style-src 'self', no 'unsafe-inline'): CodeMirror's style-mod writes its
// rules into a <style> element when mounted in a document, which that policy blocks, but into a
// constructed stylesheet (adoptedStyleSheets, plain CSSOM, allowed) when mounted in a shadow root. So the
// editor lives in a shadow root. Colours of people come through CSSOM too (element.style, which CodeMirror
// uses for a decoration's "style" attribute), never through a style="" attribute, which the policy blocks.
import * as Y from "yjs";
import { EditorState, EditorSelection, Compartment, StateEffect, RangeSetBuilder } from "@codemirror/state";
import { EditorView, ViewPlugin, Decoration, WidgetType, keymap } from "@codemirror/view";
import { yCollab, yUndoManagerKeymap, ySyncAnnotation } from "y-codemirror.next";

const utf8 = new TextEncoder();

export function utf8Length(text) {
  return utf8.encode(text).length;
}

// Light tint of a #rrggbb colour for selections and authorship backgrounds (alpha keeps text readable).
export function tint(color, alpha = 0.25) {
  const match = /^#([0-9a-f]{6})$/i.exec(color || "");
  if (!match) return `rgba(48, 188, 237, ${alpha})`;
  const n = parseInt(match[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function safeColor(color) {
  return /^#[0-9a-f]{6}$/i.test(color || "") ? color : "#30bced";
}

class CaretWidget extends WidgetType {
  constructor(color, name) {
    super();
    this.color = color;
    this.name = name;
  }

  eq(other) {
    return other.color === this.color && other.name === this.name;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = "cm-remote-caret";
    caret.setAttribute("aria-hidden", "true");
    caret.style.borderColor = this.color; // CSSOM: allowed by the CSP, unlike style=""
    const label = document.createElement("span");
    label.className = "cm-remote-name";
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    caret.append("\u2060", label, "\u2060");
    return caret;
  }

  ignoreEvent() {
    return true;
  }
}

// Others' cursors and selections from awareness; our own cursor published as relative positions.
function remoteSelections(ytext, awareness) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.decorations = Decoration.none;
        this.listener = ({ added, updated, removed }) => {
          if (added.concat(updated, removed).some((id) => id !== awareness.doc.clientID)) {
            // An empty transaction makes CodeMirror call update() with fresh positions.
            window.setTimeout(() => view.dispatch({}), 0);
          }
        };
        awareness.on("change", this.listener);
      }

      update(update) {
        const local = awareness.getLocalState();
        if (local) {
          const focused = update.view.hasFocus;
          const selection = update.state.selection.main;
          if (focused) {
            const anchor = Y.createRelativePositionFromTypeIndex(ytext, selection.anchor);
            const head = Y.createRelativePositionFromTypeIndex(ytext, selection.head);
            const current = local.cursor;
            if (
              !current ||
              !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) ||
              !Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)
            ) {
              awareness.setLocalStateField("cursor", { anchor, head });
            }
          }
        }
        const ranges = [];
        const doc = ytext.doc;
        const length = update.state.doc.length;
        awareness.getStates().forEach((state, clientId) => {
          if (clientId === doc.clientID || !state.cursor || !state.cursor.anchor || !state.cursor.head) return;
          let anchor;
          let head;
          try {
            anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(state.cursor.anchor), doc);
            head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(state.cursor.head), doc);
          } catch {
            return; // a malformed position from another client: ignore it
          }
          if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
          const user = state.user || {};
          const color = safeColor(user.color);
          const from = Math.min(anchor.index, head.index, length);
          const to = Math.min(Math.max(anchor.index, head.index), length);
          if (from < to) {
            ranges.push(Decoration.mark({ class: "cm-remote-selection", attributes: { style: `background-color: ${tint(color, 0.3)}` } }).range(from, to));
          }
          ranges.push(
            Decoration.widget({ widget: new CaretWidget(color, String(user.name || "?")), side: head.index > anchor.index ? -1 : 1 }).range(Math.min(head.index, length)),
          );
        });
        this.decorations = Decoration.set(ranges, true);
      }

      destroy() {
        awareness.off("change", this.listener);
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}

// Authorship: every character of a Y.Text is an item stamped with the id of the client that typed it.
// Returns [{from, to, client}] for the visible text (merging neighbours from the same client).
export function authorRuns(ytext) {
  const runs = [];
  let pos = 0;
  for (let item = ytext._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    const client = item.id.client;
    const last = runs[runs.length - 1];
    if (last && last.client === client && last.to === pos) last.to += item.length;
    else runs.push({ from: pos, to: pos + item.length, client });
    pos += item.length;
  }
  return runs;
}

const setAuthorship = StateEffect.define();

// Colours the text by author when switched on; `describe(client)` gives {name, color} for a client id.
function authorship(ytext, describe) {
  return ViewPlugin.fromClass(
    class {
      constructor(view) {
        this.on = false;
        this.decorations = Decoration.none;
        this.compute(view);
      }

      update(update) {
        for (const tr of update.transactions) for (const e of tr.effects) if (e.is(setAuthorship)) this.on = e.value;
        if (update.docChanged) this.decorations = this.decorations.map(update.changes);
        this.compute(update.view);
      }

      compute(view) {
        if (!this.on) {
          this.decorations = Decoration.none;
          return;
        }
        if (ytext.length !== view.state.doc.length) return; // mid-sync: the next update recomputes
        const builder = new RangeSetBuilder();
        for (const run of authorRuns(ytext)) {
          if (run.from === run.to) continue;
          const who = describe(run.client);
          builder.add(
            run.from,
            run.to,
            Decoration.mark({
              class: "cm-author",
              attributes: { title: who.name, style: `background-color: ${tint(who.color, 0.22)}; text-decoration-color: ${safeColor(who.color)}` },
            }),
          );
        }
        this.decorations = builder.finish();
      }
    },
    { decorations: (plugin) => plugin.decorations },
  );
}

// Plain-text editing commands, written against EditorView's motion helpers: @codemirror/commands would
// bring its syntax-aware parts (and a parser library) into the bundle for nothing.
function moveWith(motion, extend) {
  return (view) => {
    const { state } = view;
    const selection = EditorSelection.create(
      state.selection.ranges.map((range) => {
        const moved = motion(view, range, extend);
        return extend ? EditorSelection.range(range.anchor, moved.head) : EditorSelection.cursor(moved.head);
      }),
      state.selection.mainIndex,
    );
    if (selection.eq(state.selection)) return false;
    view.dispatch({ selection, scrollIntoView: true, userEvent: "select" });
    return true;
  };
}

// A collapsed move by character from a selection lands on its edge, as in text fields.
const byChar = (forward) => (view, range, extend) =>
  range.empty || extend ? view.moveByChar(range, forward) : EditorSelection.cursor(forward ? range.to : range.from);
const byGroup = (forward) => (view, range) => view.moveByGroup(range, forward);
const byLine = (forward) => (view, range) => view.moveVertically(range, forward);
const byPage = (forward) => (view, range) => view.moveVertically(range, forward, Math.max(view.dom.clientHeight - 40, 40));
const toLineEdge = (forward) => (view, range) => view.moveToLineBoundary(range, forward);
const toDocEdge = (forward) => (view) => EditorSelection.cursor(forward ? view.state.doc.length : 0);

function motionKeys(key, motion, mac) {
  return [
    { key, mac, run: moveWith(motion, false), shift: moveWith(motion, true), preventDefault: true },
  ];
}

// Delete the selections, or from each cursor to where `motion` takes it.
function deleteBy(motion, forward) {
  return (view) => {
    const { state } = view;
    if (state.readOnly) return false;
    const spec = state.changeByRange((range) => {
      let { from, to } = range;
      if (range.empty) {
        const target = motion(view, range).head;
        from = Math.min(from, target);
        to = Math.max(to, target);
      }
      return { changes: { from, to }, range: EditorSelection.cursor(from) };
    });
    if (spec.changes.empty) return false;
    view.dispatch(state.update(spec, { scrollIntoView: true, userEvent: forward ? "delete.forward" : "delete.backward" }));
    return true;
  };
}

const insertNewline = (view) => {
  if (view.state.readOnly) return false;
  view.dispatch(view.state.replaceSelection("\n"), { scrollIntoView: true, userEvent: "input" });
  return true;
};
const selectAll = (view) => {
  view.dispatch({ selection: EditorSelection.single(0, view.state.doc.length), userEvent: "select" });
  return true;
};

// "Mod" is Cmd on macOS and Ctrl elsewhere; word moves are Alt on macOS. Tab is left alone: it moves focus.
const editingKeys = [
  ...motionKeys("ArrowLeft", byChar(false)),
  ...motionKeys("ArrowRight", byChar(true)),
  ...motionKeys("Mod-ArrowLeft", byGroup(false), "Alt-ArrowLeft"),
  ...motionKeys("Mod-ArrowRight", byGroup(true), "Alt-ArrowRight"),
  ...motionKeys("ArrowUp", byLine(false)),
  ...motionKeys("ArrowDown", byLine(true)),
  ...motionKeys("PageUp", byPage(false)),
  ...motionKeys("PageDown", byPage(true)),
  ...motionKeys("Home", toLineEdge(false)),
  ...motionKeys("End", toLineEdge(true)),
  ...motionKeys("Mod-Home", toDocEdge(false)),
  ...motionKeys("Mod-End", toDocEdge(true)),
  ...motionKeys(undefined, toLineEdge(false), "Cmd-ArrowLeft"),
  ...motionKeys(undefined, toLineEdge(true), "Cmd-ArrowRight"),
  ...motionKeys(undefined, toDocEdge(false), "Cmd-ArrowUp"),
  ...motionKeys(undefined, toDocEdge(true), "Cmd-ArrowDown"),
  { key: "Enter", run: insertNewline },
  { key: "Mod-a", run: selectAll },
  { key: "Backspace", run: deleteBy(byChar(false), false), shift: deleteBy(byChar(false), false) },
  { key: "Delete", run: deleteBy(byChar(true), true) },
  { key: "Mod-Backspace", mac: "Alt-Backspace", run: deleteBy(byGroup(false), false) },
  { key: "Mod-Delete", mac: "Alt-Delete", run: deleteBy(byGroup(true), true) },
  { mac: "Mod-Backspace", run: deleteBy(toLineEdge(false), false) },
  { mac: "Mod-Delete", run: deleteBy(toLineEdge(true), true) },
];

const theme = EditorView.theme({
  "&": { color: "var(--text, #1b1b1b)", backgroundColor: "var(--bg, #fff)", border: "2px solid var(--line, #767676)", borderRadius: "var(--radius, 6px)", fontSize: "1rem" },
  "&.cm-focused": { outline: "3px solid var(--focus, #b3470a)", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", lineHeight: "1.55", minHeight: "16rem", maxHeight: "70vh" },
  ".cm-content": { padding: "0.5rem", caretColor: "var(--text, #1b1b1b)" },
  ".cm-remote-caret": { position: "relative", borderLeft: "2px solid", marginLeft: "-1px", marginRight: "-1px" },
  ".cm-remote-name": { position: "absolute", top: "-1.3em", left: "-2px", fontSize: "0.75rem", lineHeight: "1.2", padding: "0 3px", color: "#fff", whiteSpace: "nowrap", fontFamily: "system-ui, sans-serif", borderRadius: "3px 3px 3px 0", pointerEvents: "none", textShadow: "0 0 2px #000, 0 0 1px #000" },
  ".cm-author": { textDecorationLine: "underline", textDecorationThickness: "2px", textUnderlineOffset: "3px" },
});

/**
 * Mount the editor in a shadow root of `host`. Options: ytext, awareness, editable, label, maxBytes,
 * onTooLong(), describeAuthor(client).
 */
export function createEditor(host, { ytext, awareness, editable, label, maxBytes, onTooLong, describeAuthor }) {
  const root = host.attachShadow({ mode: "open" });
  const access = new Compartment();
  const undoManager = new Y.UndoManager(ytext);
  const accessExtensions = (canEdit) => [
    EditorState.readOnly.of(!canEdit),
    EditorView.editable.of(canEdit),
    // Read-only text stays reachable with the keyboard (tabindex) and says it is read-only.
    EditorView.contentAttributes.of(canEdit ? { "aria-label": label } : { "aria-label": label, "aria-readonly": "true", tabindex: "0" }),
  ];
  const limit = EditorState.transactionFilter.of((tr) => {
    if (!maxBytes || !tr.docChanged || tr.annotation(ySyncAnnotation)) return tr; // never refuse remote edits
    const text = tr.newDoc;
    if (text.length <= tr.startState.doc.length || text.length * 3 <= maxBytes) return tr;
    if (utf8Length(text.toString()) <= maxBytes) return tr;
    if (onTooLong) window.setTimeout(onTooLong, 0);
    return [];
  });
  const view = new EditorView({
    parent: root,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        access.of(accessExtensions(editable)),
        limit,
        keymap.of([...yUndoManagerKeymap, ...editingKeys]),
        EditorView.lineWrapping,
        theme,
        yCollab(ytext, null, { undoManager }),
        remoteSelections(ytext, awareness),
        authorship(ytext, describeAuthor),
      ],
    }),
  });
  return {
    view,
    root,
    setEditable(canEdit) {
      view.dispatch({ effects: access.reconfigure(accessExtensions(canEdit)) });
    },
    setAuthorship(on) {
      view.dispatch({ effects: setAuthorship.of(on) });
    },
    refresh() {
      view.dispatch({});
    },
    destroy() {
      view.destroy();
      undoManager.destroy();
    },
  };
}
