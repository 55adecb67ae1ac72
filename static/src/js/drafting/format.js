// Formatting buttons of the editing view: each inserts markdown at the cursor (or around the selection)
// in the CodeMirror editor, then gives the focus back to the text so that typing goes on where it was.
// Plain buttons with visible words, in the tab order before the text; hidden while the text is read-only.
import { EditorSelection } from "@codemirror/state";

const HEADING = /^#{1,6} /;
const ITEM = /^[-*+] /;

// The lines the selection touches (a selection ending at the start of a line leaves that line out).
function touchedLines(state, range) {
  const first = state.doc.lineAt(range.from);
  let last = state.doc.lineAt(range.to);
  if (range.to > range.from && range.to === last.from && last.number > first.number) last = state.doc.line(last.number - 1);
  const lines = [];
  for (let n = first.number; n <= last.number; n += 1) lines.push(state.doc.line(n));
  return lines;
}

// "## " at the start of the cursor's line, or the heading mark taken away when it is there.
export function heading(state) {
  return state.changeByRange((range) => {
    const line = state.doc.lineAt(range.head);
    const mark = HEADING.exec(line.text);
    const change = mark ? { from: line.from, to: line.from + mark[0].length } : { from: line.from, insert: "## " };
    const shift = mark ? -mark[0].length : 3;
    const move = (pos) => Math.max(line.from, pos + shift);
    return { changes: change, range: EditorSelection.range(move(range.anchor), move(range.head)) };
  });
}

// "- " before every line of the selection, or taken away when every one of them has it.
export function list(state) {
  return state.changeByRange((range) => {
    const lines = touchedLines(state, range);
    const remove = lines.every((line) => ITEM.test(line.text));
    const changes = lines.map((line) => (remove ? { from: line.from, to: line.from + 2 } : { from: line.from, insert: "- " }));
    const set = state.changes(changes);
    return { changes: set, range: EditorSelection.range(set.mapPos(range.anchor, 1), set.mapPos(range.head, 1)) };
  });
}

// **selection**; with nothing selected, a sample word in bold, selected so that typing replaces it.
export function bold(state, sample) {
  return state.changeByRange((range) => {
    const inner = range.empty ? sample : state.sliceDoc(range.from, range.to);
    return {
      changes: { from: range.from, to: range.to, insert: `**${inner}**` },
      range: EditorSelection.range(range.from + 2, range.from + 2 + inner.length),
    };
  });
}

// [selection](https://): the address is selected to be typed; with nothing selected, the link's words are.
export function link(state, sample) {
  return state.changeByRange((range) => {
    const words = range.empty ? sample : state.sliceDoc(range.from, range.to);
    const address = "https://";
    const start = range.from + words.length + 3; // after "[words]("
    return {
      changes: { from: range.from, to: range.to, insert: `[${words}](${address})` },
      range: range.empty
        ? EditorSelection.range(range.from + 1, range.from + 1 + words.length)
        : EditorSelection.range(start, start + address.length),
    };
  });
}

/** The group of buttons for the editor `view`; t gives the page's texts. Returns {group, setAvailable}. */
export function formatButtons(t) {
  const group = document.createElement("div");
  group.className = "drafting-format";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", t("formatGroup"));
  let view = null;
  const actions = [
    ["heading", t("formatHeading"), (state) => heading(state)],
    ["bold", t("formatBold"), (state) => bold(state, t("boldSample"))],
    ["list", t("formatList"), (state) => list(state)],
    ["link", t("formatLink"), (state) => link(state, t("linkSample"))],
  ];
  for (const [name, label, make] of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = label;
    button.dataset.format = name;
    button.addEventListener("click", () => {
      if (!view || view.state.readOnly) return;
      view.dispatch(view.state.update(make(view.state), { scrollIntoView: true, userEvent: "input" }));
      view.focus();
    });
    group.append(button);
  }
  return {
    group,
    attach(editorView) {
      view = editorView;
    },
    setAvailable(on) {
      group.hidden = !on;
    },
  };
}
