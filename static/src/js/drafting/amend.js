// "Propose an amendment for the selected passage": in suggest mode the text is read-only for the people
// who may propose amendments, so they select the passage in the editor and this button opens the
// amendments page with it in the form. The page fills the form from ?passage= on the server: the
// address is a plain link, and the form works the same without this script.
import { StateEffect } from "@codemirror/state";
import { EditorView } from "@codemirror/view";

// Servers and proxies refuse longer request lines (gunicorn: 4094 bytes by default). A selection within
// this bound but longer than a passage may be is not kept by the amendments page, which says why.
const MAX_ADDRESS = 4000;

/**
 * The button and its explanation, hidden until setAvailable(true). Options: url (the amendments page),
 * t (texts), announce(text) (the page's status region).
 * attach(view) follows the selection of a CodeMirror view.
 */
export function amendButton({ url, t, announce }) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary drafting-amend";
  button.textContent = t("amendButton");
  const hint = document.createElement("p");
  hint.className = "hint drafting-amend-hint";
  hint.id = "drafting-amend-hint";
  button.setAttribute("aria-describedby", hint.id);
  button.hidden = hint.hidden = true;

  let view = null;
  let available = false;
  const selected = () => {
    if (!view) return "";
    const range = view.state.selection.main;
    return view.state.sliceDoc(range.from, range.to);
  };
  const address = (passage) => `${url}?passage=${encodeURIComponent(passage)}#propose`;
  // Why the button does nothing now, or "" when it can go.
  const refusal = (passage) => {
    if (!passage.trim()) return t("amendNoSelection");
    if (address(passage).length > MAX_ADDRESS) return t("amendTooLong");
    return "";
  };

  function update() {
    button.hidden = hint.hidden = !available;
    if (!available) return;
    const why = refusal(selected());
    // aria-disabled rather than disabled: the button stays focusable and its explanation readable.
    button.setAttribute("aria-disabled", String(Boolean(why)));
    hint.textContent = why || t("amendReady");
  }

  button.addEventListener("click", () => {
    const passage = selected();
    const why = refusal(passage);
    if (why) {
      announce(why);
      return;
    }
    window.location.assign(address(passage));
  });

  return {
    button,
    hint,
    attach(editorView) {
      view = editorView;
      view.dispatch({
        effects: StateEffect.appendConfig.of(
          EditorView.updateListener.of((change) => {
            if (change.selectionSet || change.docChanged) update();
          }),
        ),
      });
      update();
    },
    setAvailable(on) {
      available = Boolean(on);
      update();
    },
  };
}
