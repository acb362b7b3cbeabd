"""Importers: turn another tool's plan into Build Spec milestones.

Each source has its own module, imported only when used (``br --help`` stays fast):

* :mod:`buildrunner.importers.taskmaster` -- Task Master's ``tasks.json``, plain or tagged;
* :mod:`buildrunner.importers.backlog` -- a Backlog.md ``backlog/`` directory.

Both return an :class:`ImportResult`: milestone nodes with deterministic ids that lint clean on
their own, and warnings about what had to be dropped or changed to get there.
"""

from __future__ import annotations

from buildrunner.importers._common import ImportResult

__all__ = ["ImportResult"]
