"""An ASGI middleware that refuses request bodies over a limit before they are stored.

Starlette spools a whole multipart upload to disk (and ``Request.body()`` reads a whole
body into memory) before the endpoint runs, so a size check in the endpoint alone would
still accept gigabytes. This middleware answers 413 from the ``Content-Length`` header,
or as soon as a streamed body passes the limit; the rest of the body is never handed to
the app (the server reads and drops it, or closes the connection).

Upload routes (``/api/check``, ``/matches/byContent``) get the upload limit
(``--max-upload-mb``); every other route gets a small limit for JSON and form bodies.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["OTHER_BODY_LIMIT", "BodyLimitMiddleware"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

# Multipart framing (boundaries, part headers) on top of the file itself.
_FRAMING_SLACK = 64 * 1024
# Bodies of routes that take no upload (JSON queries such as POST /matches/byBinding).
OTHER_BODY_LIMIT = 1024 * 1024


class BodyLimitMiddleware:
    """Limit the body size of every request.

    Args:
        app: The wrapped ASGI app.
        limit: Largest accepted upload in bytes on ``paths`` (multipart framing is
            allowed on top).
        paths: Upload routes the upload limit applies to.
        other_limit: Largest body accepted on every other route.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        paths: tuple[str, ...],
        other_limit: int = OTHER_BODY_LIMIT,
    ) -> None:
        self.app = app
        self.file_limit = limit
        self.paths = paths
        self.other_limit = other_limit

    def _limits(self, path: str) -> tuple[int, int]:
        """(bytes allowed on the wire, limit named in the message) for a path."""
        if path in self.paths:
            return self.file_limit + _FRAMING_SLACK, self.file_limit
        return self.other_limit, self.other_limit

    async def _refuse(self, send: Send, shown: int, upload: bool) -> None:
        what = "upload" if upload else "request body"
        body = json.dumps({"error": f"{what} is larger than the limit of {shown} bytes"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _declared(scope: MutableMapping[str, Any]) -> int | None:
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                return int(value) if value.isdigit() else None
        return None

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        allowed, shown = self._limits(path)
        upload = path in self.paths
        declared = self._declared(scope)
        if declared is not None and declared > allowed:
            await self._refuse(send, shown, upload)
            return
        received = 0
        over = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > allowed:
                over = True  # stop reading; the app sees a disconnected client
                return {"type": "http.disconnect"}
            return message

        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not over:  # once over the limit, the app's own answer is replaced
                started = started or message["type"] == "http.response.start"
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # After the cut-off the app may fail on the truncated body however it likes;
            # that failure is the expected consequence and is answered with 413 below.
            if not over:
                raise
        if over and not started:
            await self._refuse(send, shown, upload)
