"""Demo proposals for « Plan numérique pour le Québec »: themes, supports, answers, a history."""

from __future__ import annotations

from civic.accounts.models import Membership, User
from civic.consultations.models import Consultation
from civic.deliberation.proposals import search
from civic.deliberation.proposals.models import Proposal, ProposalEvent, ProposalVersion, Support, Theme
from civic.extensions import db
from civic.text import render_markdown
from civic.timestamps import utcnow

THEMES = [("Accès", "Access"), ("Compétences", "Skills"), ("Services publics", "Public services")]

# (author e-mail, theme index, title, body, state, supporters, answer)
PROPOSALS = [
    (
        "citoyen@example.org",
        0,
        "Du Wi-Fi gratuit dans toutes les bibliothèques",
        "Beaucoup de personnes n'ont pas Internet à la maison. Les **bibliothèques** et les centres "
        "communautaires devraient offrir un Wi-Fi gratuit, rapide et sans inscription compliquée.",
        "accepted",
        ["citizen@example.org", "representant@example.org", "moderatrice@example.org"],
        "Retenue : elle sera intégrée au chapitre **Accès** du manifeste.",
    ),
    (
        "citizen@example.org",
        1,
        "Free digital-skills workshops for seniors",
        "Weekly, hands-on workshops in community centres, in French and English, with volunteers who "
        "take the time to explain: e-mail, video calls, online forms, avoiding scams.",
        "published",
        ["citoyen@example.org", "representant@example.org"],
        "",
    ),
    (
        "representant@example.org",
        2,
        "Un guichet humain pour chaque service en ligne",
        "Chaque service public offert en ligne doit garder une option **au téléphone ou en personne**, "
        "sans pénalité ni délai supplémentaire.",
        "evaluating",
        ["citoyen@example.org"],
        "À l'étude par le comité de rédaction ; réponse à la fin de la délibération.",
    ),
    (
        "citoyen@example.org",
        0,
        "Des ordinateurs reconditionnés à petit prix",
        "Un programme qui remet à neuf les ordinateurs des ministères et les vend 50 $ aux ménages à faible revenu.",
        "published",
        ["citizen@example.org"],
        "",
    ),
    (
        "citizen@example.org",
        2,
        "Plain-language government websites",
        "Every government page should pass a plain-language review and work with screen readers.",
        "published",
        [],
        "",
    ),
]


def load(consultation: Consultation, users: dict[str, User]) -> list[Proposal]:
    """Create the demo themes and proposals (the caller commits nothing else in between)."""
    consultation.support_threshold = 3
    themes = [Theme(consultation_id=consultation.id, name_fr=fr, name_en=en) for fr, en in THEMES]
    db.session.add_all(themes)
    db.session.flush()
    now = utcnow()
    created = []
    for email, theme, title, body, state, supporters, answer in PROPOSALS:
        author = users[email]
        organisation = next(
            (m.organisation for m in author.memberships if m.status == Membership.REPRESENTATIVE), None
        )
        proposal = Proposal(
            consultation_id=consultation.id,
            author_id=author.id,
            organisation=organisation,
            theme_id=themes[theme].id,
            title=title,
            body=body,
            body_html=str(render_markdown(body)),
            language=author.locale,  # the demo's people write in their own language
            state=state,
            answer=answer,
            answer_html=str(render_markdown(answer)) if answer else "",
            support_count=len(supporters),
            published_at=now,
        )
        proposal.events.append(ProposalEvent(actor_id=author.id, kind="created"))
        proposal.events.append(ProposalEvent(actor_id=author.id, kind="published", to_state="published"))
        if state != "published":
            proposal.events.append(
                ProposalEvent(actor_id=users["moderatrice@example.org"].id, kind="state", to_state=state)
            )
        db.session.add(proposal)
        db.session.flush()
        db.session.add_all(Support(proposal_id=proposal.id, user_id=users[s].id) for s in supporters)
        search.index(proposal)
        created.append(proposal)
    # One proposal edited after receiving supports: its earlier text stays in the public history.
    edited = created[3]
    edited.versions.append(
        ProposalVersion(
            number=1,
            title="Des ordinateurs usagés",
            body="Donner les vieux ordinateurs des ministères.",
            body_html=str(render_markdown("Donner les vieux ordinateurs des ministères.")),
        )
    )
    edited.events.append(ProposalEvent(actor_id=edited.author_id, kind="edited"))
    return created
