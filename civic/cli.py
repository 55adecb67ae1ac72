"""`flask --app app civic ...`: load the demo consultation, create an administrator."""

from __future__ import annotations

import secrets

import click
from flask import Flask
from flask.cli import AppGroup

from civic import demo
from civic.accounts.registration import create_admin
from civic.errors import CivicError

group = AppGroup("civic", help="Civic administration commands.")


@group.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load the demo when the database has no consultation.")
def demo_command(if_empty: bool) -> None:
    """Load the demo consultation, or reset it to its initial state (idempotent)."""
    if if_empty and demo.has_consultations():
        click.echo("Demo not loaded: the database already has consultations.")
        return
    summary = demo.load()
    click.echo(summary)


@group.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password (at least 10 characters); generated and printed when omitted.")
@click.option("--name", default="Administrator", show_default=True)
def create_admin_command(email: str, password: str | None, name: str) -> None:
    """Create a site administrator with EMAIL, or make that existing account one."""
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    try:
        user = create_admin(email, password, name)
    except CivicError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{user.email} is a site administrator.")
    if generated:
        click.echo(f"Password: {password}")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
