"""``coxswain users ...``: create logins, list them, set passwords, manage API tokens."""

from __future__ import annotations

import getpass
import json
import uuid
from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from coxswain.auth.principal import Principal
from coxswain.auth.service import ensure_user, user_by_email
from coxswain.auth.tokens import issue_token, list_tokens, parse_scopes, revoke_token
from coxswain.cli.context import console, state
from coxswain.cli.main import app
from coxswain.cli.workspace import ready_engine
from coxswain.core.clock import SystemClock
from coxswain.core.errors import NotFoundError, ValidationError
from coxswain.db.engine import unit_of_work
from coxswain.people.models import User

users_app = typer.Typer(
    help="Logins: users, roles, passwords and API tokens.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens (scoped, revocable).", no_args_is_help=True)
users_app.add_typer(token_app, name="token")
app.add_typer(users_app, name="users")

RoleOption = Annotated[
    str, typer.Option("--role", help="admin, sales_ops, manager, rep or finance.")
]


def _password(given: str | None) -> str:
    if given:
        return given
    first = getpass.getpass("Password (at least 10 characters): ")
    if first != getpass.getpass("Repeat it: "):
        raise ValidationError("the two passwords differ")
    return first


def _user(session: object, email: str) -> User:
    user = user_by_email(session, email)  # type: ignore[arg-type]
    if user is None:
        raise NotFoundError(f"no user with e-mail {email}")
    return user


@users_app.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option("--email", help="Login e-mail.")],
    role: RoleOption,
    name: Annotated[
        str | None, typer.Option("--name", help="Full name (default: the e-mail).")
    ] = None,
    password: Annotated[
        str | None, typer.Option("--password", help="Prompted when omitted.")
    ] = None,
) -> None:
    """Create a login (or update the user with that e-mail: role, name, password)."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        user = ensure_user(
            session, email=email, full_name=name or email, role=role, password=_password(password)
        )
        console.print(f"user {user.email} ({user.role}) ready: id {user.id}", highlight=False)


@users_app.command("list")
def list_users(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Users who can log in (with a password), with their role."""
    from sqlalchemy import select

    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        users = session.scalars(
            select(User).where(User.password_hash.is_not(None)).order_by(User.email)
        ).all()
        rows = [
            {"email": u.email, "name": u.full_name, "role": u.role, "active": u.is_active}
            for u in users
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="Logins", title_justify="left")
    for column in ("email", "name", "role", "active"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["email"]), str(row["name"]), str(row["role"]), "yes" if row["active"] else "no"
        )
    console.print(table)


@users_app.command("set-password")
def set_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    password: Annotated[
        str | None, typer.Option("--password", help="Prompted when omitted.")
    ] = None,
) -> None:
    """Set a user's password and end their web sessions."""
    from coxswain.people.service import set_password as set_user_password

    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        user = _user(session, email)
        set_user_password(session, Principal.system("cli"), user.id, _password(password))
    console.print(f"password of {email} changed; their sessions ended", highlight=False)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="What the token is for.")] = "cli",
    scopes: Annotated[
        str, typer.Option("--scopes", help="Comma-separated: read, write, admin.")
    ] = "read",
    expires_days: Annotated[int | None, typer.Option("--expires-days", min=1)] = None,
) -> None:
    """Create an API token and print it once (store it: only its hash is kept)."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        user = _user(session, email)
        issued = issue_token(
            session,
            user=user,
            name=name,
            scopes=parse_scopes([scopes]),
            now=SystemClock().now(),
            expires_in=timedelta(days=expires_days) if expires_days else None,
        )
        token_id = issued.token.id
    console.print(
        f"token {token_id} ({', '.join(issued.token.scopes)}) for {email}:", highlight=False
    )
    typer.echo(issued.secret)


@token_app.command("list")
def token_list(ctx: typer.Context, email: Annotated[str, typer.Argument()]) -> None:
    """A user's tokens (prefix, scopes, last use, revoked)."""
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        tokens = list_tokens(session, user_id=_user(session, email).id)
        table = Table(title=f"API tokens of {email}", title_justify="left")
        for column in ("id", "name", "prefix", "scopes", "last used", "revoked"):
            table.add_column(column)
        for t in tokens:
            table.add_row(
                str(t.id),
                t.name,
                t.prefix + "…",
                ",".join(t.scopes),
                str(t.last_used_at or "—"),
                str(t.revoked_at or "—"),
            )
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: Annotated[str, typer.Argument(help="The token's id.")]
) -> None:
    """Revoke a token at once."""
    try:
        parsed = uuid.UUID(token_id)
    except ValueError:
        raise ValidationError(
            f"token id {token_id!r}: expected a UUID (see `users token list`)"
        ) from None
    engine = ready_engine(state(ctx))
    with unit_of_work(engine) as session:
        revoke_token(
            session, actor=Principal.system("cli"), token_id=parsed, now=SystemClock().now()
        )
    console.print(f"token {token_id} revoked", highlight=False)
