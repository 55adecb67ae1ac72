// The plain list of who is here, built from awareness: one <li> per person (several tabs of one person
// count once), a colour swatch next to the name — the name says who, the colour only matches the cursor.
export function people(awareness) {
  const byPerson = new Map();
  awareness.getStates().forEach((state, clientId) => {
    const user = state && state.user;
    if (!user || !user.name) return;
    const key = user.id != null ? `id:${user.id}` : `client:${clientId}`;
    const self = clientId === awareness.doc.clientID;
    const known = byPerson.get(key);
    if (!known) byPerson.set(key, { key, name: String(user.name), color: user.color, self });
    else if (self) known.self = true;
  });
  return [...byPerson.values()].sort((a, b) => (a.self !== b.self ? (a.self ? -1 : 1) : a.name.localeCompare(b.name)));
}

export function swatch(color) {
  const mark = document.createElement("span");
  mark.className = "drafting-swatch";
  mark.setAttribute("aria-hidden", "true");
  if (/^#[0-9a-f]{6}$/i.test(color || "")) mark.style.backgroundColor = color; // CSSOM: CSP-safe
  return mark;
}

export function renderPresence(list, everyone, t) {
  const items = everyone.map((person) => {
    const li = document.createElement("li");
    li.append(swatch(person.color), document.createTextNode(person.name));
    if (person.self) {
      const you = document.createElement("span");
      you.className = "drafting-you";
      you.textContent = ` ${t("you")}`;
      li.append(you);
    }
    return li;
  });
  list.replaceChildren(...items);
}
