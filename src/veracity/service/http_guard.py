"""Limits on the HTTP request head, enforced in uvicorn's HTTP/1.1 protocol.

Stock uvicorn (h11) answers a request line or header block over 16 KiB with a bare 400
and closes the socket while the client is still sending, so the client sees a reset
connection; and it waits for a request head for ever (a few bytes every minute keep a
connection and its memory: "slowloris"), and for a body that trickles in. :class:`HeadLimits`
bounds the request line (414), the whole head (431), the time a head may take to arrive
(408), the longest pause inside a request body and the time a whole body may take (408),
and the refusal is sent before a lingering close, so the client reads the answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Any, ClassVar

__all__ = ["HeadLimits", "guarded_protocol", "uvicorn_config"]

# After a refusal, the rest of what the client sends is read and dropped for a while so
# that closing does not reset the connection before the answer is read.
_LINGER_S = 2.0
_LINGER_BYTES = 16 * 1024**2

_REASONS = {
    408: "Request Timeout",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
}


@dataclasses.dataclass(frozen=True)
class HeadLimits:
    """Bounds on an HTTP request head.

    Attributes:
        max_line_bytes: Longest request line (method, target, version); 414 above.
        max_head_bytes: Largest request head (request line and all headers); 431 above.
        head_timeout_s: Longest time from a connection (or the end of the previous
            response) until the whole head has arrived; 408 (or a silent close when
            nothing was sent) after it.
        body_idle_timeout_s: Longest pause between two pieces of a request body while
            the server is ready to read; 408 after it.
        body_timeout_s: Longest time from the end of the head until the whole body has
            arrived (a body sent a byte at a time never pauses for long); 408 after it.
    """

    max_line_bytes: int = 16 * 1024
    max_head_bytes: int = 64 * 1024
    head_timeout_s: float = 10.0
    body_idle_timeout_s: float = 30.0
    body_timeout_s: float = 600.0


def _answer(status: int, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


def guarded_protocol(limits: HeadLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol class with ``limits`` applied to every request head."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        head_limits: ClassVar[HeadLimits] = limits

        def connection_made(self, transport: Any) -> None:
            self._head = bytearray()
            self._tracking = False
            self._refused = False
            self._dropped = 0
            self._head_timer: asyncio.TimerHandle | None = None
            self._body_timer: asyncio.TimerHandle | None = None
            self._body_seen = self._body_deadline = 0.0
            super().connection_made(transport)
            self._arm_timer()

        def _arm_timer(self) -> None:
            self._disarm_timer()
            self._head_timer = self.loop.call_later(
                self.head_limits.head_timeout_s, self._head_timed_out
            )

        def _disarm_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_timed_out(self) -> None:
            self._head_timer = None
            if self._refused or self.transport.is_closing():
                return
            if self._head:
                secs = self.head_limits.head_timeout_s
                self._refuse(408, f"request head not received within {secs:g} s")
            else:  # an idle connection that never sent a request
                self.transport.close()

        def _watch_body(self) -> None:
            """Note body activity; one timer per body checks it (no timer churn per chunk)."""
            if self.conn.their_state is not h11.SEND_BODY:
                self._stop_body_watch()
                return
            self._body_seen = self.loop.time()
            if self._body_timer is None:  # the first piece of this body
                self._body_deadline = self._body_seen + self.head_limits.body_timeout_s
                self._arm_body_timer()

        def _arm_body_timer(self) -> None:
            due = min(self._body_seen + self.head_limits.body_idle_timeout_s, self._body_deadline)
            self._body_timer = self.loop.call_at(due, self._body_timed_out)

        def _stop_body_watch(self) -> None:
            if self._body_timer is not None:
                self._body_timer.cancel()
                self._body_timer = None

        def _body_timed_out(self) -> None:
            self._body_timer = None
            if self._refused or self.transport.is_closing():
                return
            if self.conn.their_state is not h11.SEND_BODY:
                return
            now = self.loop.time()
            overdue = now >= self._body_deadline
            if not overdue and self.flow.read_paused:
                # the app has not taken what arrived yet: the client is not the slow one
                self._body_seen = now
            if not overdue and now < self._body_seen + self.head_limits.body_idle_timeout_s:
                self._arm_body_timer()  # data came in since the timer was set
                return
            lim = self.head_limits
            cycle = self.cycle
            if cycle is not None and cycle.response_started:
                self.transport.close()  # the app already answered; nothing more to say
                return
            if cycle is not None:  # the app's receive() now reports a disconnect
                cycle.disconnected = True
                cycle.message_event.set()
            message = (
                f"request body not received within {lim.body_timeout_s:g} s"
                if overdue
                else f"request body paused for more than {lim.body_idle_timeout_s:g} s"
            )
            self._refuse(408, message)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_timer()
            self._stop_body_watch()
            super().connection_lost(exc)

        def _scan(self, data: bytes) -> int | None:
            """Add ``data`` to the head being received; a refusal status or None."""
            lim = self.head_limits
            head = self._head
            start = max(0, len(head) - 3)
            head.extend(data[: lim.max_head_bytes + 4 - len(head)])
            line_end = head.find(b"\r\n")
            if (line_end if line_end >= 0 else len(head)) > lim.max_line_bytes:
                return 414
            end = head.find(b"\r\n\r\n", start)
            if end >= 0:
                if end + 4 > lim.max_head_bytes:
                    return 431
                self._tracking = False
                self._head = bytearray()
                self._disarm_timer()
                return None
            return 431 if len(head) > lim.max_head_bytes else None

        def _refuse(self, status: int, message: str) -> None:
            self._refused = True
            self._disarm_timer()
            self._stop_body_watch()
            self.logger.warning("refused a request: %s", message)
            self.transport.write(_answer(status, message))
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self.flow.resume_reading()
            self.loop.call_later(_LINGER_S, self.transport.close)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                self._dropped += len(data)
                if self._dropped > _LINGER_BYTES:
                    self.transport.close()
                return
            if self.conn.their_state is h11.IDLE:
                if not self._tracking:  # the first bytes of a new request head
                    self._tracking = True
                    self._head = bytearray()
                    if self._head_timer is None:
                        self._arm_timer()
                status = self._scan(data)
                if status is not None:
                    lim = self.head_limits
                    shown = lim.max_line_bytes if status == 414 else lim.max_head_bytes
                    what = "request line" if status == 414 else "request head"
                    self._refuse(status, f"{what} is larger than the limit of {shown} bytes")
                    return
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the head was parsed
                self._tracking = False
                self._head = bytearray()
                self._disarm_timer()
            self._watch_body()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
                self._arm_timer()  # the next request head has the same time to arrive

    return GuardedH11Protocol


def uvicorn_config(
    app: Any,
    host: str,
    port: int,
    limits: HeadLimits | None = None,
    log_level: str = "info",
) -> Any:
    """A ``uvicorn.Config`` serving ``app`` with the request-head limits applied."""
    import uvicorn

    limits = limits or HeadLimits()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=guarded_protocol(limits),
        # h11's own buffer limit (a bare 400) must sit above ours.
        h11_max_incomplete_event_size=2 * limits.max_head_bytes + 1024,
    )
