"""Translations: four locales, chosen per request from ``?lang``, a cookie, then ``Accept-Language``.

Catalogs are the ``locale/<lang>/LC_MESSAGES/messages.po`` files, compiled in memory at first use, so
there is no build step and no binary ``.mo`` file to keep in sync. The current locale lives in a context
variable set once per request; ``gettext``/``ngettext`` (and Jinja's ``{% trans %}``) read it.
"""

from __future__ import annotations

import contextvars
import functools
import io
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "LOCALE_NAMES",
    "N_",
    "current_locale",
    "gettext",
    "gettext_noop",
    "language_of",
    "negotiate",
    "ngettext",
    "translations",
    "use_locale",
]

LOCALE_DIR: Final = Path(__file__).resolve().parents[2] / "locale"
DEFAULT_LOCALE: Final = "en"
LOCALES: Final = ("en", "es", "fr", "de")
# Each language named in itself: a person who cannot read the current page can still find theirs.
LOCALE_NAMES: Final = {"en": "English", "es": "Español", "fr": "Français", "de": "Deutsch"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("br_locale", default=DEFAULT_LOCALE)


@functools.cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of ``locale`` (an empty one for English or a missing file)."""
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale == DEFAULT_LOCALE or not po_path.is_file():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def current_locale() -> str:
    """The locale of the current request."""
    return _current.get()


def use_locale(locale: str) -> contextvars.Token[str]:
    """Make ``locale`` current (for this request or task); returns the token to reset it."""
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def gettext(message: str) -> str:
    """Translate ``message`` into the current locale."""
    return translations(_current.get()).gettext(message)


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction without translating it: for text defined once and translated where used.

    Import it as ``N_`` (one of the extractor's default keywords) and pass the value through ``gettext`` later,
    in the request whose language it must speak.
    """
    return message


N_ = gettext_noop  # the name the extractor looks for


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count into the current locale."""
    return translations(_current.get()).ngettext(singular, plural, n)


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """Pick the locale: an explicit ``?lang`` wins, then the saved cookie, then the browser's preferences."""
    for explicit in (query, cookie):
        language = language_of(explicit or "")
        if language is not None:
            return language
    return _from_accept_language(accept_language or "")


def language_of(tag: str) -> str | None:
    """``de``, ``de-DE`` or ``de_AT`` → ``de``; anything else (``frog``, ``xx``) → ``None``."""
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in LOCALES else None


@functools.lru_cache(maxsize=256)  # browsers send a handful of distinct headers; bounded against the rest
def _from_accept_language(header: str) -> str:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):  # bounded: the header is attacker-controlled
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        language = language_of(tag)
        if language is not None and quality > 0:
            weighted.append((-quality, index, language))
    return min(weighted)[2] if weighted else DEFAULT_LOCALE
