"""Request bodies sent with ``Content-Encoding: gzip`` (``br sync`` compresses whole plans), inflated safely.

The body is inflated before the rest of the app reads it, with the same size limit as any body
(``BR_MAX_BODY_BYTES``) applied to the inflated size, chunk by chunk: a small "zip bomb" is refused with a 413 after
inflating at most one byte past the limit. A body that is not valid gzip answers 400; another encoding 415.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Final

from litestar.exceptions import ClientException
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from app.lib.i18n import gettext as _

__all__ = ["GzipRequestMiddleware"]

_GZIP: Final = 16 + zlib.MAX_WBITS  # zlib's window bits for a gzip container


class GzipRequestMiddleware:
    """Inflates gzip request bodies, at most ``max_bytes`` once inflated (a plain ASGI middleware: see
    ``app.server.web.LocaleMiddleware``)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        """Wrap ``app``; refuse bodies larger than ``max_bytes`` once inflated."""
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass requests without a body encoding through; inflate gzip ones."""
        next_app = self.app
        headers = scope.get("headers", ())
        encoding = next((value for name, value in headers if name == b"content-encoding"), None)
        if encoding is None or encoding.strip().lower() in (b"", b"identity") or not _has_body(headers):
            await next_app(scope, receive, send)
            return
        if encoding.strip().lower() != b"gzip":
            raise ClientException(status_code=415, detail=_(
                "Content-Encoding %(encoding)s is not supported; send the body as gzip or uncompressed")
                % {"encoding": encoding.decode("latin-1")[:40]})
        body = await self._inflate(receive)
        scope["headers"] = [*((name, value) for name, value in headers
                              if name not in (b"content-encoding", b"content-length")),
                            (b"content-length", str(len(body)).encode())]
        sent = False

        async def replay() -> ReceiveMessage:
            nonlocal sent
            if sent:
                return await receive()  # after the body: a disconnect, when it comes
            sent = True
            event: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
            return event

        await next_app(scope, replay, send)

    async def _inflate(self, receive: Receive) -> bytes:
        inflater = zlib.decompressobj(_GZIP)
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                raise ClientException(status_code=400, detail=_("the request ended before its body was complete"))
            more = bool(message.get("more_body", False))
            data = message.get("body", b"")
            try:
                while data:
                    chunk = inflater.decompress(data, self.max_bytes - size + 1)
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ClientException(status_code=413, detail=_(
                            "the body is larger than %(limit)d bytes once uncompressed") % {"limit": self.max_bytes})
                    parts.append(chunk)
                    data = inflater.unconsumed_tail
            except zlib.error as exc:
                raise ClientException(status_code=400, detail=_(
                    "the body is not valid gzip (%(error)s); compress it with gzip or send it uncompressed")
                    % {"error": exc}) from None
        if not inflater.eof:
            raise ClientException(status_code=400, detail=_(
                "the gzip body is truncated; send the whole compressed body"))
        return b"".join(parts)


def _has_body(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False
