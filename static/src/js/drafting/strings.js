// Texts of the live editor. They all come from the page, translated by Flask-Babel
// (civic/deliberation/drafting/editor_texts.py), as JSON in data-strings on section#drafting.
// A text with plural forms is an object of forms by plural category ({one, many, other…}): the count in
// {n} picks one with Intl.PluralRules, in the page's language.
export function strings(section) {
  const lang = document.documentElement.lang || "en";
  let texts = {};
  try {
    texts = JSON.parse(section.dataset.strings || "{}") || {};
  } catch {
    texts = {};
  }
  const warned = new Set();
  let plurals = null;
  const pick = (forms, n) => {
    if (!plurals) {
      try {
        plurals = new Intl.PluralRules(lang);
      } catch {
        plurals = new Intl.PluralRules("en"); // a lang attribute the browser does not know
      }
    }
    return forms[plurals.select(Number(n))] ?? forms.other ?? Object.values(forms)[0];
  };
  return (key, values = {}) => {
    let text = texts[key];
    if (text && typeof text === "object") text = pick(text, values.n);
    if (typeof text !== "string" || !text) {
      // A text the page did not give: say which, and show the key rather than nothing.
      if (!warned.has(key)) console.warn(`drafting: no text for "${key}" in data-strings`); // eslint-disable-line no-console
      warned.add(key);
      text = key;
    }
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  };
}
