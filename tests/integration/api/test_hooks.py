"""Every ``/api/v1`` route starts with ``check_request``, which authorizes the caller: a ``before_request`` set on a
route or router below the API router would replace it (Litestar keeps the innermost one), and let callers in."""

from __future__ import annotations

from app.server.api import API_PREFIX, check_request
from app.server.app import create_app
from app.server.settings import Settings


def test_no_api_route_replaces_the_authorizing_hook(settings: Settings) -> None:
    app = create_app(settings)
    checked = 0
    for route in app.routes:
        if not route.path.startswith(API_PREFIX):
            continue
        for handler in getattr(route, "route_handlers", ()):
            if "OPTIONS" in getattr(handler, "http_methods", ()):
                continue  # answered by Litestar itself, with the allowed methods and no data
            hooks = [layer.before_request for layer in handler.ownership_layers if layer.before_request]
            assert hooks == [check_request], (route.path, hooks)
            checked += 1
    assert checked > 50
