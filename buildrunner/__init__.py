"""BuildRunner core: the Build Spec, its linter, merge, workspace files, sync client and the `br` CLI."""

__version__ = "0.1.0"
