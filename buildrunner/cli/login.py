"""`br login`, `br logout`, `br link`: credentials per server, and the workspace's server project."""

from __future__ import annotations

import argparse
import getpass
import sys

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import UsageError
from buildrunner.sync.credentials import CredentialStore, normalize_server
from buildrunner.sync.errors import ConfigError
from buildrunner.sync.state import Link, SyncStore


def _read_key(args: argparse.Namespace, server: str) -> str:
    if args.api_key:
        return str(args.api_key).strip()
    if not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass(f"API key for {server} (input hidden): ").strip()


def login(args: argparse.Namespace) -> int:
    """Check an API key against the server, then store it (0600); the key is never printed."""
    from buildrunner.sync.client import SyncClient  # noqa: PLC0415  (httpx only when talking to a server)

    server = normalize_server(args.server)
    key = _read_key(args, server)
    if not key:
        raise UsageError("no API key given: pass --api-key, pipe it on standard input, or type it at the prompt")
    with SyncClient(server, key) as client:
        projects = client.list_projects()
    store = CredentialStore()
    store.save(server, key)
    print(f"logged in to {server}: {len(projects)} project{'s' if len(projects) != 1 else ''} visible; "
          f"key stored in {store.path}")
    return 0


def logout(args: argparse.Namespace) -> int:
    """Forget the stored API key of a server."""
    server = normalize_server(args.server)
    removed = CredentialStore().remove(server)
    print(f"logged out of {server}" if removed else f"no key stored for {server}")
    return 0


def _server_for(args: argparse.Namespace, current: Link | None) -> str:
    if args.server:
        return normalize_server(args.server)
    if current is not None:
        return current.server
    servers = CredentialStore().servers()
    if len(servers) == 1:
        return servers[0]
    if not servers:
        raise ConfigError("not logged in to any server; run `br login --server URL` first")
    raise UsageError(f"logged in to several servers ({', '.join(servers)}); pick one with --server URL")


def link(args: argparse.Namespace) -> int:
    """Link the workspace to a server project (checked on the server); the first `br sync` merges both plans."""
    from buildrunner.sync.client import SyncClient  # noqa: PLC0415

    ws = workspace(args)
    store = SyncStore(ws)
    with ws.lock():
        current = store.load() if store.exists() else None
        server = _server_for(args, current.link if current else None)
        key = CredentialStore().api_key(server)
        if not key:
            raise ConfigError(f"not logged in to {server}; run `br login --server {server}` first")
        with SyncClient(server, key, args.project, org=args.org) as client:
            project = client.get_project()
        new = Link(server=server, project=str(project.get("key", args.project)), org=args.org)
        if current is not None and (current.link.server, current.link.project, current.link.org) \
                != (new.server, new.project, new.org) and not args.force:
            raise UsageError(f"already linked to {current.link.project} on {current.link.server}; add --force to "
                             "link elsewhere (queued changes and pending conflicts are dropped)")
        same = current is not None and (current.link.server, current.link.project, current.link.org) \
            == (new.server, new.project, new.org)
        if not same or args.force:
            state = store.new_state(new)
            store.save(state)
            store.collect_garbage(state)
    revision = int(project.get("current_revision", 0))
    if args.json:
        emit_json({"server": server, "project": new.project, "org": new.org, "remote_revision": revision,
                   "changed": not same or args.force})
    elif same and not args.force:
        print(f"already linked to {new.project} on {server}")
    else:
        print(f"linked to {new.project} on {server} (server revision {revision}); run `br sync` to merge the plans")
    return 0
