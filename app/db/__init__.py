"""Database layer: engine and session configuration, models (one module per aggregate), migrations glue."""
