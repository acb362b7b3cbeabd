"""The Build Spec JSON Schema, generated from the msgspec model and shipped as `plan.schema.json`."""

from __future__ import annotations

from importlib import resources
from typing import Any

import msgspec

SCHEMA_FILE = "plan.schema.json"
SCHEMA_ID = "https://buildrunner.dev/schemas/plan-v1.json"


def generate() -> dict[str, Any]:
    """Build the schema from :class:`~buildrunner.spec.model.Plan` (the single source of truth)."""
    from buildrunner.spec.model import Plan  # noqa: PLC0415

    schema: dict[str, Any] = msgspec.json.schema(Plan)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "BuildRunner Build Spec",
        **schema,
    }


def render() -> bytes:
    """The schema as stored in the package: 2-space indented JSON with a trailing newline."""
    return msgspec.json.format(msgspec.json.encode(generate()), indent=2) + b"\n"


def schema_bytes() -> bytes:
    """Return the shipped schema file (tests check it matches :func:`render`)."""
    return resources.files("buildrunner.spec").joinpath(SCHEMA_FILE).read_bytes()


if __name__ == "__main__":  # regenerate: python -m buildrunner.spec.schema
    from pathlib import Path

    Path(__file__).with_name(SCHEMA_FILE).write_bytes(render())
