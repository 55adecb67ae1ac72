"""The demo manifesto: an open document written by several demo participants, with some history.

Each edit is a real Yjs update made with pycrdt (the difference between two texts turned into inserts
and deletes, as the no-JavaScript form does) and stored as an update row by its author, with times
spread over the last days so the bursts of writing become automatic versions; the last burst is named
by the moderator. History, attribution and the compare page therefore all have something to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from civic.accounts.models import User
from civic.consultations.models import Consultation
from civic.deliberation.drafting import crdt, documents
from civic.deliberation.drafting.history import versions as history
from civic.deliberation.drafting.log import rows
from civic.deliberation.drafting.models import Document, DocumentUpdate, DocumentVersion
from civic.extensions import db
from civic.timestamps import utcnow

TITLE_FR = "Plan numérique pour le Québec — manifeste"
TITLE_EN = "Digital Plan for Quebec — manifesto"
MODERATOR = "moderatrice@example.org"

START = """# Plan numérique pour le Québec — manifeste

*English version below.*

## Pourquoi ce manifeste

Les services publics passent de plus en plus par Internet. Pour des milliers de personnes au Québec,
cela ajoute une difficulté au lieu d'en enlever une.

## Nos principes

1. **L'accès d'abord** : un service en ligne doit aussi pouvoir se faire au comptoir ou au téléphone.
2. **Les deux langues** : chaque service est offert en français, et en anglais là où la loi le permet.

## Nos engagements

- Des formations gratuites dans les bibliothèques.

---

# Digital Plan for Quebec — manifesto

## Why this manifesto

Public services move online. For thousands of people in Quebec, this adds a hurdle instead of removing one.

## Our principles

1. **Access first**: every online service can also be used at a counter or by phone.
2. **Both languages**: every service is offered in French, and in English where the law allows it.

## Our commitments

- Free training in public libraries.
"""

# (author e-mail, what they change: old passage -> new passage), grouped in bursts of writing.
BURSTS: list[list[tuple[str, str, str]]] = [
    [
        (
            "citoyen@example.org",
            "2. **Les deux langues** : chaque service est offert en français, et en anglais là où la loi le permet.\n",
            "2. **Les deux langues** : chaque service est offert en français, et en anglais là où la loi le permet.\n"
            "3. **Personne n'est laissé de côté** : les personnes aînées et celles qui n'ont pas d'adresse "
            "courriel gardent un accès complet.\n",
        ),
        (
            "citizen@example.org",
            "2. **Both languages**: every service is offered in French, and in English where the law allows it.\n",
            "2. **Both languages**: every service is offered in French, and in English where the law allows it.\n"
            "3. **Nobody left behind**: elders and people without an e-mail address keep full access.\n",
        ),
    ],
    [
        (
            "representant@example.org",
            "- Des formations gratuites dans les bibliothèques.\n",
            "- Des formations gratuites dans les bibliothèques et les centres communautaires.\n"
            "- Un réseau sans fil public et gratuit dans chaque municipalité de plus de 5 000 habitants.\n",
        ),
        (
            "citoyen@example.org",
            "cela ajoute une difficulté au lieu d'en enlever une.",
            "cela ajoute une difficulté au lieu d'en enlever une. Ce manifeste dit ce que nous demandons "
            "pour que le virage numérique profite à toute la population.",
        ),
        (
            "citizen@example.org",
            "- Free training in public libraries.\n",
            "- Free training in public libraries and community centres.\n"
            "- Free public wireless access in every municipality of more than 5,000 people.\n",
        ),
    ],
    [
        (
            "representant@example.org",
            "Les services publics passent de plus en plus par Internet.",
            "Les services publics passent de plus en plus en ligne, souvent sans autre choix.",
        ),
        (
            MODERATOR,
            "\n---\n",
            "\n## Prochaines étapes\n\nLe texte sera soumis au vote des priorités, puis à l'adhésion des "
            "organisations de la coalition.\n\n---\n",
        ),
        (
            MODERATOR,
            "- Free public wireless access in every municipality of more than 5,000 people.\n",
            "- Free public wireless access in every municipality of more than 5,000 people.\n\n"
            "## Next steps\n\nThe text will go to the priorities vote, then to the coalition's organisations "
            "for their endorsement.\n",
        ),
    ],
]
NAMED = "Texte soumis à la discussion"


def _store(document: Document, author: User, text: str, at: datetime) -> None:
    """Turn the document's text into `text` with one update by `author`, dated `at`."""
    doc, _last = rows.rebuild(document.id)
    update = crdt.rewrite(doc, text)
    db.session.add(DocumentUpdate(document_id=document.id, data=update, user_id=author.id, created_at=at))
    db.session.commit()


def load(consultation: Consultation, users: dict[str, User]) -> str:
    """Create the manifesto in the demo consultation, with three bursts of writing; return a summary."""
    moderator = users[MODERATOR]
    document = documents.create_document(
        moderator, consultation, TITLE_FR, TITLE_EN, START, mode=Document.OPEN
    )
    now = utcnow().replace(microsecond=0)
    first = db.session.scalar(select(DocumentUpdate).where(DocumentUpdate.document_id == document.id))
    if first is not None:  # the starting text belongs to the first burst, three days ago
        first.created_at = now - timedelta(days=3)
    text = START
    quiet = timedelta(seconds=60)  # between edits of one burst: well under the versions' quiet gap
    for index, burst in enumerate(BURSTS):
        # The last burst is happening now: the moderator names it instead of waiting for the gap.
        at = now - timedelta(days=3 - index) + quiet if index < len(BURSTS) - 1 else now - quiet * len(burst)
        for email, old, new in burst:
            if old not in text:
                raise ValueError(f"demo edit does not apply: {old[:40]!r}")
            text = text.replace(old, new, 1)
            _store(document, users[email], text, at)
            at += quiet
    history.record_quiet_bursts(document)
    versions = list(
        db.session.scalars(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number)
        )
    )
    # Dated when their burst ended and the quiet gap passed, as the timer would have recorded them.
    for version in versions:
        last = db.session.get(DocumentUpdate, version.upto_update_id)
        if last is not None:
            version.created_at = last.created_at + timedelta(minutes=2)
    db.session.commit()
    history.name_version(moderator, document, NAMED)
    return f"the manifesto (a document with {len(versions) + 1} versions)"
