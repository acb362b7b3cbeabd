"""Sync with a BuildRunner server: API client, offline outbox, backoff, circuit breaker, conflicts.

Modules are imported by what needs them, so that `br status` never loads httpx:
``engine`` (`br sync`), ``client`` (HTTP), ``state`` (files in ``buildrunner/state/``), ``credentials``
(API keys per server), ``conflicts`` (`br conflicts`, `br resolve`), ``summary`` (`br status`),
``backoff`` and ``breaker`` (from the policy), ``changes`` (what changed, item by item).
"""
