"""The HTTP client of the BuildRunner server's JSON API, as `br sync` uses it.

Only commands that talk to a server import this module (httpx is not loaded by `br --help` or `br status`).
Every answer that is not a success becomes one :mod:`buildrunner.sync.errors` exception naming the server and
project; transient failures (no connection, timeouts, 5xx, 429) are :class:`ServerUnavailableError`.
"""

from __future__ import annotations

import email.utils
import gzip
import time
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import httpx
import msgspec

from buildrunner import __version__
from buildrunner.sync.errors import (
    AuthError,
    PushConflictError,
    PushInProgressError,
    PushRejectedError,
    RemoteNotFoundError,
    ServerUnavailableError,
    StaleBaseError,
    SyncError,
)

__all__ = ["PushResult", "SyncClient"]

TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
API: Final = "/api/v1"
GZIP_ABOVE: Final = 64 * 1024  # bodies larger than this are sent gzip-compressed


@dataclass(frozen=True, slots=True)
class PushResult:
    """A push the server stored: the revision, and how the stored plan differs from the one sent: ``delta``
    (from the plan sent to the stored one) or the stored ``plan`` itself (``None`` for both: the same)."""

    revision: int
    delta: Any = None
    plan: dict[str, Any] | None = None


def _detail(response: httpx.Response) -> str:
    try:
        body = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return response.reason_phrase or f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return str(body["detail"])
    return response.reason_phrase or f"HTTP {response.status_code}"


def _retry_after_ms(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return int(value) * 1000
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(int((when.timestamp() - time.time()) * 1000), 0)


class SyncClient:
    """One server, one API key, one project (``project`` may be empty for calls that need none)."""

    def __init__(self, server: str, api_key: str, project: str = "", *, org: str | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: httpx.Timeout = TIMEOUT) -> None:
        """Open a connection pool to ``server`` (a normalized URL)."""
        self.server, self.project, self.org = server, project, org
        self._http = httpx.Client(
            base_url=server + API, timeout=timeout, transport=transport, follow_redirects=False,
            verify=server.startswith("https:"),  # plain http needs no certificates (loading them takes a while)
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": f"br/{__version__}",
                     "Accept": "application/json", "Accept-Encoding": "gzip"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> SyncClient:
        """Use as a context manager."""
        return self

    def __exit__(self, *_: object) -> None:
        """Close on exit."""
        self.close()

    # -- calls ---------------------------------------------------------------------------------------

    def list_projects(self) -> list[dict[str, Any]]:
        """The projects the key can see (checks the key)."""
        body = self._json(self._request("GET", "/projects", what="the project list"))
        if not isinstance(body, list):
            raise SyncError(f"{self.server} answered the project list with something else; is it a BuildRunner "
                            "server?")
        return body

    def get_project(self) -> dict[str, Any]:
        """The linked project (its ``current_revision`` is the server's head)."""
        body = self._json(self._request("GET", self._project_path(""), what=f"project {self.project}"))
        if not isinstance(body, dict):
            raise SyncError(f"{self.server} answered with something other than a project")
        return body

    def plan_delta(self, since: int) -> tuple[int, Any]:
        """The head revision and the delta from revision ``since`` to it (``None`` when equal)."""
        response = self._request("GET", self._project_path("/plan/delta"), params={"from": str(since)},
                                 what=f"the plan of {self.project}")
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("to"), int):
            raise SyncError(f"{self.server} answered the plan delta of {self.project} in an unknown format")
        return int(body["to"]), body.get("delta")

    def get_plan(self) -> tuple[int, dict[str, Any]]:
        """The head revision and its whole plan."""
        response = self._request("GET", self._project_path("/plan"), what=f"the plan of {self.project}")
        plan = self._json(response)
        etag = response.headers.get("etag", "").removeprefix("W/").strip('"')
        if not isinstance(plan, dict) or not etag.isdigit():
            raise SyncError(f"{self.server} answered the plan of {self.project} without a revision ETag")
        return int(etag), plan

    def push(self, base_revision: int, delta: Any, idempotency_key: str, message: str = "") -> PushResult:
        """PATCH the plan: ``delta`` against ``base_revision``; the server merges with its head if it moved on.

        Raises:
            PushConflictError: 409, the server's merge conflicted. PushRejectedError: 422. StaleBaseError: 412.
        """
        response = self._request("PATCH", self._project_path("/plan"), content=msgspec.json.encode({"delta": delta}),
                                 headers=self._write_headers(base_revision, idempotency_key, message),
                                 what=f"the plan of {self.project}")
        body = self._json(response)
        revision = body.get("revision") if isinstance(body, dict) else None
        if not isinstance(revision, dict) or not isinstance(revision.get("number"), int):
            raise SyncError(f"{self.server} accepted the push to {self.project} but answered in an unknown format")
        return PushResult(revision=int(revision["number"]), delta=body.get("delta"))

    def put_plan(self, plan: bytes, base_revision: int, idempotency_key: str, message: str = "") -> PushResult:
        """PUT a whole plan made from ``base_revision`` (0: the first upload); merged on the server if it moved on.

        Raises:
            PushConflictError: 409. PushRejectedError: 422. StaleBaseError: 412.
        """
        response = self._request("PUT", self._project_path("/plan"), content=plan, what=f"the plan of {self.project}",
                                 headers=self._write_headers(base_revision, idempotency_key, message))
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("number"), int):
            raise SyncError(f"{self.server} accepted the plan of {self.project} but answered in an unknown format")
        stored = body.get("plan")
        return PushResult(revision=int(body["number"]), plan=stored if isinstance(stored, dict) else None)

    def get_policy(self) -> dict[str, Any]:
        """The project's policy: ``yaml`` (its text) and ``is_default`` (nobody uploaded one yet)."""
        body = self._json(self._request("GET", self._project_path("/policy"), what=f"the policy of {self.project}"))
        if not isinstance(body, dict) or not isinstance(body.get("yaml"), str):
            raise SyncError(f"{self.server} answered the policy of {self.project} in an unknown format")
        return body

    def put_policy(self, text: bytes, message: str = "") -> tuple[int, Any]:
        """Upload ``policy.yml``; the status is 200 (applied), 202 (an approval request was opened, in the body) or
        409 (the same change already waits for approval).

        Raises:
            AuthError: 403, the caller's role may not change the policy. PushRejectedError: 422, findings.
        """
        headers = {"Content-Type": "application/yaml"}
        if message:
            headers["X-BR-Message"] = message.encode("ascii", "replace").decode()[:200]
        try:
            response = self._request("PUT", self._project_path("/policy"), content=text, headers=headers,
                                     what=f"the policy of {self.project}")
        except PushInProgressError:  # a policy's 409 is not a push in flight: the same text waits for approval
            return 409, {}
        return response.status_code, self._json(response)

    def _write_headers(self, base_revision: int, idempotency_key: str, message: str) -> dict[str, str]:
        headers = {"If-Match": f'"{base_revision}"', "Idempotency-Key": idempotency_key,
                   "Content-Type": "application/json"}
        if message:
            headers["X-BR-Message"] = message.encode("ascii", "replace").decode()[:200]
        return headers

    # -- plumbing ------------------------------------------------------------------------------------

    def _project_path(self, suffix: str) -> str:
        return f"/projects/{quote(self.project, safe='')}{suffix}"

    def _request(self, method: str, path: str, *, what: str, params: dict[str, str] | None = None,
                 content: bytes | None = None, headers: dict[str, str] | None = None) -> httpx.Response:
        query = dict(params or {})
        if self.org:
            query["org"] = self.org
        if content is not None and len(content) > GZIP_ABOVE:
            # A whole plan is ~11 MB at 10,000 microsteps and compresses ~8x; zlib's fastest level costs ~50 ms.
            content, headers = gzip.compress(content, compresslevel=1), {**(headers or {}), "Content-Encoding": "gzip"}
        try:
            response = self._http.request(method, path, params=query, content=content, headers=headers)
        except httpx.TimeoutException:
            raise ServerUnavailableError(f"{self.server} did not answer in time") from None
        except httpx.TransportError as exc:
            raise ServerUnavailableError(f"cannot reach {self.server} ({type(exc).__name__}: {exc})") from None
        if response.is_success:
            return response
        self._raise_for(response, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _raise_for(self, response: httpx.Response, what: str) -> None:
        status, detail = response.status_code, _detail(response)
        if status >= 500 or status == 429:
            raise ServerUnavailableError(f"{self.server} answered {status} ({detail})",
                                    retry_after_ms=_retry_after_ms(response))
        if status == 401:
            raise AuthError(f"{self.server} refused the API key (401: {detail}); run `br login --server "
                            f"{self.server}`")
        if status == 403:
            raise AuthError(f"{self.server}: this API key may not access {what} (403: {detail})")
        if status == 404:
            raise RemoteNotFoundError(f"{self.server}: {what} was not found, or this API key cannot see it "
                                      f"(404: {detail})")
        body = self._problem(response)
        if status == 409 and not body.get("conflicts"):
            # The same Idempotency-Key is still being answered (an earlier attempt, cut off): ask again shortly.
            raise PushInProgressError(f"{self.server}: the earlier attempt of this push is still in progress",
                                      retry_after_ms=_retry_after_ms(response) or 250)
        if status == 409:
            raise PushConflictError(f"{self.server}: the change to {self.project} conflicts with the server's plan",
                               list(body.get("conflicts") or []))
        if status == 412:
            raise StaleBaseError(f"{self.server}: {detail}")
        if status == 413:
            raise PushRejectedError(f"{self.server} refused the change to {self.project} as too large (413: {detail}); "
                                    "its operator can raise BR_MAX_BODY_BYTES", [])
        if status == 422:
            raise PushRejectedError(f"{self.server} refused the change to {self.project}: {detail}",
                               list(body.get("errors") or []))
        raise SyncError(f"{self.server} answered {status} to a request for {what}: {detail}")

    def _problem(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            return {}
        return body if isinstance(body, dict) else {}

    def _json(self, response: httpx.Response) -> Any:
        try:
            return msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            raise SyncError(f"{self.server} answered with something other than JSON; is it a BuildRunner "
                            "server?") from None
