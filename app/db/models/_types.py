"""Column types shared by the models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

__all__ = ["JsonList"]

# advanced_alchemy.types.JsonB relies on an API SQLAlchemy 2.1 removed, so the variant is spelled out here.
JsonList: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
