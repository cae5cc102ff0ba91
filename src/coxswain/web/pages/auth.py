"""Login and logout pages."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.api.errors import SEE_OTHER, UNAUTHORIZED
from coxswain.auth.errors import RateLimitedError
from coxswain.auth.service import attempt_login
from coxswain.auth.sessions import end_session, start_session
from coxswain.core.settings import get_settings
from coxswain.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, CsrfSession, render

router = APIRouter(include_in_schema=False)


def safe_next(next_path: str | None) -> str:
    """Only same-site relative paths (no ``//host`` or ``/\\host`` open redirects)."""
    if next_path and next_path.startswith("/") and not next_path.startswith(("//", "/\\")):
        return next_path
    return "/"


def _login_page(
    request: Request,
    next_path: str,
    error: str | None = None,
    status_code: int = 200,
    email: str = "",
) -> Response:
    token = secrets.token_urlsafe(24)
    response: Response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        next=next_path,
        error=error,
        email=email,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(), max_age=3600
    )
    return response


def _secure() -> bool:
    return get_settings().env != "development"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, safe_next(next))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=200)],
    login_csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Check the password (rate limited), start a session, go where the user was heading."""
    next_path = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        return _login_page(request, next_path, "The login form expired: please try again.", 400)
    client_ip = request.client.host if request.client else None
    try:
        outcome = attempt_login(
            session, username=username, password=password, client_ip=client_ip, now=clock.now()
        )
    except RateLimitedError as exc:
        return _login_page(request, next_path, str(exc), 429, email=username)
    if outcome.user is None:
        session.commit()
        return _login_page(request, next_path, "Wrong e-mail or password.", UNAUTHORIZED, username)
    started = start_session(
        session,
        user=outcome.user,
        now=clock.now(),
        user_agent=request.headers.get("user-agent"),
        client_ip=client_ip,
    )
    response = RedirectResponse(next_path, status_code=SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        started.cookie_value,
        httponly=True,
        samesite="lax",
        secure=_secure(),
        max_age=7 * 24 * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, clock: ClockDep, web: CsrfSession) -> Response:
    end_session(session, request.cookies.get(SESSION_COOKIE, ""), now=clock.now())
    response = RedirectResponse("/login", status_code=SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE)
    _ = web
    return response
