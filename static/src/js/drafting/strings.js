// Texts of the live editor. The page may pass its own (from Flask-Babel) as JSON in data-strings on
// section#drafting; these French and English defaults cover the keys it leaves out.
const TEXTS = {
  en: {
    connecting: "Connecting to the live editor…",
    connected: "Live editor connected: your changes are saved as you type.",
    reconnecting: "Connection lost, reconnecting… Keep writing: your changes are kept and will be sent.",
    reconnected: "Reconnected. All changes are saved.",
    unavailable: "The live editor is not available ({reason}). You can still use the form.",
    noConnection: "The live editor cannot connect for now; it keeps trying. You can still use the form.",
    suggester: "The text is read-only for you: you can follow the changes live.",
    viewer: "Read-only: you can follow the changes live.",
    tooLong: "The document has reached its maximum size; that change was not made.",
    notSaved: "Not saved: {reason}",
    refused: "the server refused the change",
    nowReadOnly: "The editor is now read-only for you.",
    nowEditable: "You can edit the text again.",
    peopleOne: "1 person here",
    peopleOther: "{n} people here",
    you: "(you)",
    editorLabel: "Text of the document",
    authorsButton: "Who wrote what",
    authorsLegend: "Colours and underlines show who wrote each passage (point at a passage to see the name):",
    absent: "people not here now",
    leaving: "Some changes are not saved yet.",
  },
  fr: {
    connecting: "Connexion à l’éditeur en direct…",
    connected: "Éditeur en direct connecté : vos modifications sont enregistrées au fil de la frappe.",
    reconnecting: "Connexion perdue, reconnexion… Continuez d’écrire : vos modifications sont conservées et seront envoyées.",
    reconnected: "Reconnecté. Toutes les modifications sont enregistrées.",
    unavailable: "L’éditeur en direct n’est pas disponible ({reason}). Le formulaire reste utilisable.",
    noConnection: "L’éditeur en direct ne peut pas se connecter pour l’instant ; il réessaie. Le formulaire reste utilisable.",
    suggester: "Le texte est en lecture seule pour vous : vous pouvez suivre les modifications en direct.",
    viewer: "Lecture seule : vous pouvez suivre les modifications en direct.",
    tooLong: "Le document a atteint sa taille maximale ; cette modification n’a pas été faite.",
    notSaved: "Non enregistré : {reason}",
    refused: "le serveur a refusé la modification",
    nowReadOnly: "L’éditeur est maintenant en lecture seule pour vous.",
    nowEditable: "Vous pouvez de nouveau modifier le texte.",
    peopleOne: "1 personne ici",
    peopleOther: "{n} personnes ici",
    you: "(vous)",
    editorLabel: "Texte du document",
    authorsButton: "Qui a écrit quoi",
    authorsLegend: "Les couleurs et soulignements montrent qui a écrit chaque passage (survolez un passage pour voir le nom) :",
    absent: "personnes absentes",
    leaving: "Des modifications ne sont pas encore enregistrées.",
  },
};

export function strings(section) {
  const lang = (document.documentElement.lang || "en").slice(0, 2);
  let given = {};
  try {
    given = JSON.parse(section.dataset.strings || "{}");
  } catch {
    given = {};
  }
  const texts = { ...(TEXTS[lang] || TEXTS.en), ...given };
  return (key, values = {}) => String(texts[key] || key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}
