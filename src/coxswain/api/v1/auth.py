"""``/auth``: exchange a password for a bearer token (OAuth2 password flow), manage tokens."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, ConfigDict, Field

from coxswain.api.deps import ClockDep, CurrentUser, SessionDep
from coxswain.api.errors import CREATED, NO_CONTENT
from coxswain.api.schemas import ERROR_RESPONSES
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.principal import Principal
from coxswain.auth.service import attempt_login
from coxswain.auth.tokens import issue_token, list_tokens, parse_scopes, revoke_token
from coxswain.core.errors import NotFoundError
from coxswain.people.models import User

router = APIRouter(prefix="/auth", tags=["auth"])
LOGIN_TOKEN_LIFETIME = timedelta(hours=12)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int | None = Field(None, description="Seconds until it expires.")
    scope: str


class TokenInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class CreatedToken(TokenInfo):
    access_token: str = Field(description="Shown once: store it now.")


class Me(BaseModel):
    id: uuid.UUID | None
    email: str
    full_name: str
    role: str
    scopes: list[str]


@router.post("/token", response_model=TokenOut, responses={401: ERROR_RESPONSES[401]})
def login_for_token(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=100)] = "",
) -> TokenOut:
    """Exchange an e-mail and password for a bearer token valid 12 hours.

    ``scope`` (space-separated ``read write admin``) narrows the token; empty means every scope
    the role can use. Repeated failures are rate limited (429 with Retry-After).
    """
    now = clock.now()
    client_ip = request.client.host if request.client else None
    outcome = attempt_login(
        session, username=username, password=password, client_ip=client_ip, now=now
    )
    if outcome.user is None:
        session.commit()  # the failed attempt must count even though we answer 401
        raise AuthenticationError(outcome.reason)
    scopes = parse_scopes([scope]) if scope.strip() else None
    issued = issue_token(
        session,
        user=outcome.user,
        name=f"login {now:%Y-%m-%d %H:%M}",
        scopes=scopes,
        now=now,
        expires_in=LOGIN_TOKEN_LIFETIME,
    )
    return TokenOut(
        access_token=issued.secret,
        expires_in=int(LOGIN_TOKEN_LIFETIME.total_seconds()),
        scope=" ".join(issued.token.scopes),
    )


def _me(principal: Principal) -> Me:
    return Me(
        id=principal.user_id,
        email=principal.email,
        full_name=principal.full_name,
        role=principal.role,
        scopes=sorted(s.value for s in principal.scopes),
    )


@router.get("/me", response_model=Me, responses=ERROR_RESPONSES)
def who_am_i(user: CurrentUser) -> Me:
    """The caller: user, role and the token's scopes."""
    return _me(user)


@router.get("/tokens", response_model=list[TokenInfo], responses=ERROR_RESPONSES)
def my_tokens(session: SessionDep, user: CurrentUser) -> list[TokenInfo]:
    """The caller's API tokens (never their secrets)."""
    return [TokenInfo.model_validate(t) for t in list_tokens(session, user_id=user.user_id)]


@router.post("/tokens", response_model=CreatedToken, status_code=CREATED, responses=ERROR_RESPONSES)
def create_token(
    session: SessionDep, clock: ClockDep, user: CurrentUser, data: TokenCreate
) -> CreatedToken:
    """Create a named, scoped API token for the caller (no wider than the calling token)."""
    owner = session.get(User, user.user_id)
    if owner is None:
        raise NotFoundError("the system user cannot own tokens")
    wanted = parse_scopes(data.scopes)
    if not wanted <= user.scopes:
        raise AuthenticationError("a token cannot create a token with more scopes than its own")
    expires = timedelta(days=data.expires_in_days) if data.expires_in_days else None
    issued = issue_token(
        session, user=owner, name=data.name, scopes=wanted, now=clock.now(), expires_in=expires
    )
    info = TokenInfo.model_validate(issued.token)
    return CreatedToken(**info.model_dump(), access_token=issued.secret)


@router.delete("/tokens/{token_id}", status_code=NO_CONTENT, responses=ERROR_RESPONSES)
def revoke(session: SessionDep, clock: ClockDep, user: CurrentUser, token_id: uuid.UUID) -> None:
    """Revoke a token (your own, or anyone's for an admin). Revoking twice is harmless."""
    revoke_token(session, actor=user, token_id=token_id, now=clock.now())
