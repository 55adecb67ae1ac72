"""`flask civic demo` and `flask civic create-admin`."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.consultations.models import Consultation, Phase
from civic.extensions import db


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_loads_the_digital_plan(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["civic", "demo"])
    assert result.exit_code == 0, result.output
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "plan-numerique"))
    assert consultation is not None
    assert (
        consultation.title_fr == "Plan numérique pour le Québec"
        and consultation.title_en == "A Digital Plan for Quebec"
    )
    assert [p.kind for p in consultation.phases][:2] == ["information", "proposals"]


def test_demo_is_idempotent(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["civic", "demo"])
    counts = (_count(Consultation), _count(Phase), _count(User))
    assert runner.invoke(args=["civic", "demo"]).exit_code == 0
    db.session.expire_all()
    assert (_count(Consultation), _count(Phase), _count(User)) == counts


def test_demo_if_empty_leaves_existing_data_alone(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["civic", "demo"])
    result = runner.invoke(args=["civic", "demo", "--if-empty"])
    assert "already has consultations" in result.output


def test_demo_accounts_can_sign_in(app: Flask) -> None:
    from tests.conftest import sign_in

    app.test_cli_runner().invoke(args=["civic", "demo"])
    sign_in(app.test_client(), "admin@example.org", "civic-demo-2026")


def test_create_admin_with_generated_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["civic", "create-admin", "boss@example.org"])
    assert result.exit_code == 0, result.output
    assert "Password: " in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user is not None and user.is_admin


def test_create_admin_refuses_a_short_password(app: Flask) -> None:
    result = app.test_cli_runner().invoke(
        args=["civic", "create-admin", "boss@example.org", "--password", "short"]
    )
    assert result.exit_code == 2
    assert _count(User) == 0
