"""Security headers on every response, as a plain ASGI middleware.

Starlette's ``@app.middleware("http")`` (``BaseHTTPMiddleware``) wraps each request in a task
group and streams the body through a memory channel: about a millisecond of CPU per request
on a loaded two-core machine. This middleware only edits the ``http.response.start`` message.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; frame-ancestors 'none'"
    ),
}
STATIC_CACHE_CONTROL = "public, max-age=86400"


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (unless the response set them) and a day-long
    ``Cache-Control`` on ``/static/`` files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if static:
                    headers["Cache-Control"] = STATIC_CACHE_CONTROL
            await send(message)

        await self.app(scope, receive, send_with_headers)
