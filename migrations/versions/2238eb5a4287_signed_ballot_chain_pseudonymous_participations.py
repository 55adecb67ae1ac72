"""signed ballot chain, checkpoints, pseudonymous participations

Participations no longer store a person's id: their key becomes (poll, voter pseudonym), an HMAC under
a key derived from the server secret. Ballots get the server's Ed25519 signature; polls a signed head
and the salt of their voter tags; checkpoints (signed heads with times) are a new append-only table.

Existing data is carried over with the server secret of the app running the upgrade (Flask-Migrate runs
migrations in an app context): participations are pseudonymised, and every existing ballot's record is
written again in format 0 (its receipt code, as given to the voter, inside the hashed record) and
signed now, with the poll's head; a checkpoint records the head as of the upgrade. The audit page says
these ballots were signed at the upgrade, not when cast. Tags of polls already closed get a salt that
is thrown away at once, as a closing does.

The key derivations and record bytes are written out here rather than imported, so that this revision
keeps doing what it did when the application code changes later.

Revision ID: 2238eb5a4287
Revises: 0bbdc51e4ee9
Create Date: 2026-12-05 10:00:00.000000

"""
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

import civic.timestamps


# revision identifiers, used by Alembic.
revision = '2238eb5a4287'
down_revision = '0bbdc51e4ee9'
branch_labels = None
depends_on = None


def _key(purpose):
    config = current_app.config
    secret = str(config.get("VOTING_SECRET_KEY") or config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"civic.voting.{purpose}".encode(), hashlib.sha256).digest()


def _hex_hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _genesis(poll_id):
    return hashlib.sha256(f"civic-genesis/1\n{poll_id}".encode()).hexdigest()


def _legacy_record_hash(poll_id, position, ballot_id, choice, tag, previous, receipt):
    lines = ["civic-ballot/0", str(poll_id), str(position), ballot_id, choice, tag or "", previous, receipt]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _as_stored(connection, moment):
    return moment.replace(tzinfo=None) if connection.dialect.name == "sqlite" else moment


def _carry_chains(connection, signer):
    tag_key = _key("voter-tag")
    now = datetime.now(UTC).replace(microsecond=0)
    span = 60 * max(int(current_app.config.get("VOTING_CHECKPOINT_MINUTES", 10)), 1)
    midnight = now.replace(hour=0, minute=0, second=0)
    elapsed = int((now - midnight).total_seconds())
    window = midnight + timedelta(seconds=elapsed - elapsed % span)
    polls = connection.execute(sa.text("SELECT id, closed_at, result_json FROM polls ORDER BY id")).all()
    for poll_id, closed_at, result_json in polls:
        users = connection.execute(
            sa.text("SELECT user_id FROM poll_participations WHERE poll_id = :p"), {"p": poll_id}
        ).scalars()
        salt = secrets.token_hex(32)
        # Old tags were HMAC(poll:user); the new ones also cover the salt.
        retag = {_hex_hmac(tag_key, f"{poll_id}:{u}"): _hex_hmac(tag_key, f"{poll_id}:{u}:{salt}") for u in users}
        ballots = connection.execute(
            sa.text("SELECT id, choice, voter_tag, receipt FROM ballots WHERE poll_id = :p ORDER BY position"),
            {"p": poll_id},
        ).all()
        previous = _genesis(poll_id)
        for position, (ballot_id, choice, old_tag, receipt) in enumerate(ballots, start=1):
            tag = None
            if old_tag:
                # A voter whose account is gone has no participation left: keep their ballots grouped.
                tag = retag.get(old_tag) or _hex_hmac(tag_key, f"{poll_id}:gone:{old_tag}:{salt}")
            digest = _legacy_record_hash(poll_id, position, ballot_id, choice, tag, previous, receipt)
            signature = signer.sign(f"civic-record/1\n{digest}".encode()).hex()
            connection.execute(
                sa.text(
                    "UPDATE ballots SET previous_hash = :prev, record_hash = :h, signature = :s,"
                    " record_format = 0, voter_tag = :t WHERE id = :id"
                ),
                {"prev": previous, "h": digest, "s": signature, "t": tag, "id": ballot_id},
            )
            previous = digest
        length = len(ballots)
        head_signature = signer.sign(f"civic-head/1\n{poll_id}\n{length}\n{previous}".encode()).hex()
        document = json.loads(result_json) if result_json else None
        if document is not None:
            document["chain"] = {"records": length, "head": previous}
        connection.execute(
            sa.text(
                "UPDATE polls SET chain_length = :n, head_hash = :h, head_signature = :s, tag_salt = :salt,"
                " head_window = :w, result_json = :doc WHERE id = :p"
            ),
            {
                "n": length,
                "h": previous if length else "",
                "s": head_signature,
                "salt": None if closed_at is not None else salt,
                # The upgrade's checkpoint stands for the head until a ballot in a later window.
                "w": _as_stored(connection, window) if length else None,
                "doc": json.dumps(document, ensure_ascii=False) if document is not None else None,
                "p": poll_id,
            },
        )
        if length or closed_at is not None:
            at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
            checkpoint = signer.sign(f"civic-checkpoint/1\n{poll_id}\n{at}\n{length}\n{previous}".encode()).hex()
            connection.execute(
                sa.text(
                    "INSERT INTO poll_checkpoints (poll_id, at, length, head, signature)"
                    " VALUES (:p, :at, :n, :h, :s)"
                ),
                {
                    "p": poll_id,
                    "at": _as_stored(connection, now),
                    "n": length,
                    "h": previous,
                    "s": checkpoint,
                },
            )


def upgrade():
    op.add_column('polls', sa.Column('head_signature', sa.String(length=128), nullable=False, server_default=''))
    op.add_column('polls', sa.Column('tag_salt', sa.String(length=64), nullable=True))
    op.add_column('polls', sa.Column('head_window', civic.timestamps.UTCDateTime(timezone=True), nullable=True))
    op.add_column('ballots', sa.Column('signature', sa.String(length=128), nullable=False, server_default=''))
    op.add_column('ballots', sa.Column('record_format', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('poll_checkpoints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('at', civic.timestamps.UTCDateTime(timezone=True), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=128), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('poll_checkpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_checkpoints_poll_id'), ['poll_id'], unique=False)

    connection = op.get_bind()
    signer = Ed25519PrivateKey.from_private_bytes(_key("ballot-signing"))
    # Chains first: re-tagging needs the participations' person ids, about to be replaced.
    _carry_chains(connection, signer)
    participation_key = _key("participation")
    rows = connection.execute(sa.text("SELECT poll_id, user_id, form_nonce FROM poll_participations")).all()
    pseudonymous = sorted(
        ({"poll_id": p, "voter": _hex_hmac(participation_key, f"{p}:{u}"), "form_nonce": nonce} for p, u, nonce in rows),
        key=lambda row: (row["poll_id"], row["voter"]),
    )
    # A new table rather than ALTER: PostgreSQL's DROP COLUMN leaves the values in the rows on disk.
    op.drop_table('poll_participations')
    participations = op.create_table('poll_participations',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('voter', sa.String(length=64), nullable=False),
    sa.Column('form_nonce', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'voter'),
    sqlite_with_rowid=False
    )
    if pseudonymous:
        op.bulk_insert(participations, pseudonymous)


def downgrade():
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM poll_participations")).scalar():
        # Pseudonyms cannot be turned back into person ids: going back would forget who voted.
        raise RuntimeError("participations are pseudonymous: this revision cannot be undone with them")
    op.drop_table('poll_participations')
    op.create_table('poll_participations',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form_nonce', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'user_id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('poll_checkpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_checkpoints_poll_id'))
    op.drop_table('poll_checkpoints')
    # Plain ALTER TABLE (SQLite 3.35+): a batch copy of polls would cascade-delete its options and ballots.
    for table, column in (
        ("ballots", "record_format"), ("ballots", "signature"), ("polls", "head_window"), ("polls", "tag_salt"),
        ("polls", "head_signature"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
