"""``docs/permissions.md`` is generated from the permission matrix and the app's route table; it must be current.

Regenerate it with ``BR_UPDATE_DOCS=1 uv run pytest tests/integration/api/test_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.domain.projects.permissions import ACTION_SCOPE, Action, matrix_markdown
from app.server.api import required_scope
from app.server.app import create_app
from app.server.settings import Settings

DOC = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"

INTRO = """# Permission matrix

<!-- Generated from app/domain/projects/permissions.py and the app's route table by
     tests/integration/api/test_docs.py; do not edit by hand. Regenerate it with
     BR_UPDATE_DOCS=1 uv run pytest tests/integration/api/test_docs.py -->

Who may do what, enforced by the server for the web pages and the JSON API alike. Everything not
granted here is denied.

## Project roles

"""

ROLES_NOTE = """
- **Organization roles give a default project role.** Owners and admins of an organization act as
  PM in each of its projects; plain members act as Viewer. An explicit project role (set on the
  members page or with `PUT /api/v1/projects/{key}/members`) replaces the default.
- **API keys narrow, never widen.** A key acts as the person who made it, and each action also needs
  the key scope in the last column (`admin` covers every scope). A key limited to one organization
  sees nothing of the others, and a key it creates stays limited to the same organization.
- **Other organizations do not exist for you.** A project, organization or key that is not yours
  answers 404, never 403, so its existence does not leak.
- Operators at the command line (`br-server ...`) are not limited by these roles.

## JSON API routes

Each route names the project action it needs (and so the roles and key scope above) or, for routes
that are not about one project, the key scope it needs. Anonymous callers get 401 everywhere.

"""

ROUTES_NOTE = """
- `GET /api/v1/projects`, `GET /api/v1/orgs` list only the caller's own organizations and projects.
- `POST /api/v1/projects` works in any organization the caller belongs to; the creator becomes PM.
- `GET /api/v1/orgs/{slug}/members` needs membership of that organization.
- The `/api/v1/api-keys` routes manage the caller's own keys; a browser session may always do so.
- The `/api/v1/audit` routes need the global role GlobalAdmin (every entry) or TenantAdmin (its organizations' entries).
"""


def _need(opt: dict[str, object]) -> str:
    action = opt.get("action")
    if isinstance(action, Action):
        return f"{action.value} (`{ACTION_SCOPE[action]}`)"
    return f"signed in (`{required_scope(opt)}`)"


def render(tmp_path: Path) -> str:
    """The whole document, from the matrix and the route table of a freshly built app."""
    app = create_app(Settings.from_env({"BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": "docs-" + "x" * 32}))
    rows: list[tuple[str, str, str]] = []
    for route in app.routes:
        if not route.path.startswith("/api/v1"):
            continue
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            if method not in ("OPTIONS", "HEAD"):
                path = route.path.replace(":str}", "}")
                rows.append((path, method, f"| `{method} {path}` | {handler.summary} | {_need(dict(handler.opt))} |"))
    table = "| Route | What | Needs |\n|---|---|---|\n" + "\n".join(row for *_, row in sorted(rows)) + "\n"
    return INTRO + matrix_markdown() + ROLES_NOTE + table + ROUTES_NOTE


def test_permissions_doc_is_current(tmp_path: Path) -> None:
    expected = render(tmp_path)
    if os.environ.get("BR_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/permissions.md is out of date: BR_UPDATE_DOCS=1 uv run pytest tests/integration/api/test_docs.py"
    )
