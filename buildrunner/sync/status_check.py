"""`br status --check-server`: ask the server for the linked project's head revision (one GET)."""

from __future__ import annotations

from buildrunner.sync.client import SyncClient
from buildrunner.sync.credentials import CredentialStore
from buildrunner.sync.errors import ConfigError
from buildrunner.sync.state import SyncStore
from buildrunner.workspace.workspace import Workspace

__all__ = ["remote_head"]


def remote_head(workspace: Workspace) -> int:
    """The server's current revision of the linked project.

    Raises:
        ConfigError: not linked or not logged in. SyncError: the server refused or could not be reached.
    """
    link = SyncStore(workspace).load_linked().link
    key = CredentialStore().api_key(link.server)
    if not key:
        raise ConfigError(f"not logged in to {link.server}; run `br login --server {link.server}`")
    with SyncClient(link.server, key, link.project, org=link.org) as client:
        return int(client.get_project().get("current_revision", 0))
