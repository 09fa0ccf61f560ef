"""An ASGI middleware that refuses request bodies over a limit before they are stored.

Starlette spools a whole multipart upload to disk before the endpoint runs, so a size
check in the endpoint alone would still accept gigabytes. This middleware answers 413
from the ``Content-Length`` header, or as soon as a streamed body passes the limit.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["BodyLimitMiddleware"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

# Multipart framing (boundaries, part headers) on top of the file itself.
_FRAMING_SLACK = 64 * 1024


class BodyLimitMiddleware:
    """Limit the body size of requests to the given paths.

    Args:
        app: The wrapped ASGI app.
        limit: Largest accepted file in bytes (multipart framing is allowed on top).
        paths: Request paths the limit applies to.
    """

    def __init__(self, app: ASGIApp, limit: int, paths: tuple[str, ...]) -> None:
        self.app = app
        self.limit = limit + _FRAMING_SLACK
        self.file_limit = limit
        self.paths = paths

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": f"upload is larger than the limit of {self.file_limit} bytes"}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _declared_too_large(self, scope: MutableMapping[str, Any]) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                return value.isdigit() and int(value) > self.limit
        return False

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in self.paths:
            await self.app(scope, receive, send)
            return
        if self._declared_too_large(scope):
            await self._refuse(send)
            return
        received = 0
        over = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                over = True  # stop reading; the app sees a disconnected client
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not over:  # once over the limit, the app's own answer is replaced
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # After the cut-off the app may fail on the truncated body however it likes;
            # that failure is the expected consequence and is answered with 413 below.
            if not over:
                raise
        if over:
            await self._refuse(send)
