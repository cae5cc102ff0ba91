"""What every page needs: the logged-in user (cookie session), CSRF checks, templates.

A page without a valid session redirects to ``/login?next=...`` (HTMX requests get an
``HX-Redirect``). Every POST must carry the session's CSRF token (form field ``csrf_token`` or
header ``X-CSRF-Token``); the login form uses a double-submit cookie since no session exists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from coxswain.api.deps import ClockDep, SessionDep
from coxswain.auth.errors import AuthenticationError
from coxswain.auth.principal import Permission
from coxswain.auth.sessions import ActiveSession, cached_session, check_csrf, resolve_session

SESSION_COOKIE = "cx_session"
LOGIN_CSRF_COOKIE = "cx_login_csrf"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class LoginRequired(Exception):
    """Raised by page dependencies; the server turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


async def get_web_session(request: Request, session: SessionDep, clock: ClockDep) -> ActiveSession:
    """The logged-in session (redirect to the login page without one); a cookie resolved a
    moment ago is answered from memory, otherwise the database is asked from the thread pool."""
    cookie = request.cookies.get(SESSION_COOKIE)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not cookie:
        raise LoginRequired(path)
    now = clock.now()
    try:
        known = cached_session(session, cookie, now=now)
        if known is not None:
            return known
        return await run_in_threadpool(resolve_session, session, cookie, now=now)
    except AuthenticationError:
        raise LoginRequired(path) from None


WebSession = Annotated[ActiveSession, Depends(get_web_session)]


async def require_csrf(request: Request, web: WebSession) -> ActiveSession:
    """For POST routes: the session, after checking its CSRF token."""
    presented = request.headers.get("x-csrf-token")
    if presented is None:
        form = await request.form()
        value = form.get("csrf_token")
        presented = value if isinstance(value, str) else None
    check_csrf(web, presented)
    return web


CsrfSession = Annotated[ActiveSession, Depends(require_csrf)]


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="")


def render(
    request: Request,
    template: str,
    web: ActiveSession | None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    """Render ``template`` with the user, their permissions and the CSRF token."""
    principal = web.principal if web else None
    context.update(
        request=request,
        user=principal,
        csrf_token=web.csrf_token if web else "",
        can_import=bool(principal and principal.can(Permission.IMPORT)),
        can_configure=bool(principal and principal.can(Permission.CONFIGURE)),
        can_manage_users=bool(principal and principal.can(Permission.MANAGE_USERS)),
        can_write=bool(principal and principal.can(Permission.WRITE_RECORDS)),
        active=context.get("active", ""),
    )
    response: Response = TEMPLATES.TemplateResponse(
        request, template, context, status_code=status_code
    )
    return response
