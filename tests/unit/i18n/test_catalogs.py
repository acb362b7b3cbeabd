"""The translation catalogs are complete, and the locale is negotiated as documented.

The completeness test extracts every message from the code and templates afresh (with ``locale/babel.cfg``,
the map ``make i18n`` uses) and requires each one translated in every catalog. It fails as soon as somebody
wraps a new string without translating it: run ``make i18n``, translate, and it passes (docs/i18n.md).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.lib import i18n

ROOT = Path(__file__).resolve().parents[3]
LOCALE_DIR = ROOT / "locale"
TRANSLATED = [locale for locale in i18n.LOCALES if locale != i18n.DEFAULT_LOCALE]

# printf-style conversions as Python's % operator reads them: %(name)s, %d, %.1f, %% ...
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


@cache
def extracted() -> Catalog:
    """Every message in app/ and templates/, freshly extracted with the project's mapping."""
    with (LOCALE_DIR / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=DEFAULT_KEYWORDS, strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


@cache
def po(locale: str) -> Catalog:
    with (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def where(message: Message) -> str:
    return ", ".join(f"{name}:{line}" for name, line in message.locations[:3])


def as_tuple(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def test_the_extraction_finds_python_and_template_messages() -> None:
    found = {message.id if isinstance(message.id, str) else message.id[0] for message in messages(extracted())}
    assert "You are signed in." in found  # app/**.py, gettext imported as _
    assert "Skip to main content" in found  # templates, {{ _("...") }}
    assert "Changes from revision %(old)s to revision %(new)s" in found  # newstyle _() with keyword arguments
    assert "Messages to %(to)s" in found  # {% trans to=to %}...{% endtrans %}
    assert "%(num)s microstep matches." in found  # ngettext in a template
    assert len(found) > 250


def test_the_template_is_up_to_date() -> None:
    """locale/messages.pot holds every extracted message: `make i18n` was run after the last string change."""
    with (LOCALE_DIR / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    stale = [f"{message.id!r} ({where(message)})" for message in messages(extracted()) if message.id not in template]
    assert not stale, "run `make i18n`; locale/messages.pot lacks:\n" + "\n".join(stale)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(locale: str) -> None:
    catalog = po(locale)
    problems = []
    for message in messages(extracted()):
        entry = catalog.get(message.id, message.context)
        if entry is None:
            problems.append(f"missing: {message.id!r} ({where(message)})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(text.strip() for text in as_tuple(entry.string)):
            problems.append(f"untranslated: {message.id!r} ({where(message)})")
        elif message.pluralizable and len(as_tuple(entry.string)) != catalog.num_plurals:
            problems.append(f"needs {catalog.num_plurals} plural forms: {message.id!r}")
    assert not problems, f"run `make i18n`, then translate in locale/{locale}/LC_MESSAGES/messages.po:\n" + \
        "\n".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_catalog_is_clean(locale: str) -> None:
    catalog = po(locale)
    assert not catalog.fuzzy, "the catalog header is marked fuzzy"
    assert catalog.locale is not None and str(catalog.locale) == locale
    assert catalog.plural_forms.startswith("nplurals=2;")  # es, fr, de: one, other


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_and_markup_survive_translation(locale: str) -> None:
    problems = []
    for entry in messages(po(locale)):
        source, target = as_tuple(entry.id), as_tuple(entry.string)
        known = set().union(*(PLACEHOLDER.findall(text) for text in source))
        for form, text in enumerate(target):
            found = Counter(PLACEHOLDER.findall(text))
            # A singular form may leave the count out ("one microstep"); the last form keeps every placeholder.
            must_match = not entry.pluralizable or form == len(target) - 1
            if (must_match and found != Counter(PLACEHOLDER.findall(source[-1]))) or not set(found) <= known:
                problems.append(f"{entry.id!r} -> {text!r}: placeholders {sorted(found)}, source has {sorted(known)}")
            if sorted(HTML_TAG.findall(text)) != sorted(HTML_TAG.findall(source[0])):
                problems.append(f"{entry.id!r} -> {text!r}: the HTML tags differ")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_format_like_their_source(locale: str) -> None:
    """Every python-format translation accepts exactly the keywords its source is given."""
    for entry in messages(po(locale)):
        names = set(re.findall(r"%\(([^)]*)\)", as_tuple(entry.id)[-1]))
        if not names:
            continue
        values = dict.fromkeys(names, 7)
        for text in as_tuple(entry.string):
            assert text % values, entry.id  # raises on a malformed or unknown placeholder


@pytest.mark.parametrize(("locale", "source", "expected"), [
    ("de", "Sign in", "Anmelden"),
    ("fr", "Sign in", "Se connecter"),
    ("es", "Sign in", "Iniciar sesión"),
    ("en", "Sign in", "Sign in"),
])
def test_gettext_reads_the_catalog_of_the_current_locale(locale: str, source: str, expected: str) -> None:
    token = i18n.use_locale(locale)
    try:
        assert i18n.gettext(source) == expected
    finally:
        i18n._current.reset(token)


@pytest.mark.parametrize(("locale", "count", "expected"), [
    ("de", 1, "1 Mikroschritt passt."), ("de", 2, "2 Mikroschritte passen."),
    ("fr", 0, "0 micro-étape correspond."), ("fr", 1, "1 micro-étape correspond."),  # French: 0 and 1 are singular
    ("fr", 2, "2 micro-étapes correspondent."),
    ("es", 1, "1 micropaso coincide."), ("es", 5, "5 micropasos coinciden."),
])
def test_plural_forms_follow_each_language(locale: str, count: int, expected: str) -> None:
    token = i18n.use_locale(locale)
    try:
        text = i18n.ngettext("%(num)s microstep matches.", "%(num)s microsteps match.", count)
    finally:
        i18n._current.reset(token)
    assert text % {"num": count} == expected


def test_an_unknown_locale_is_english() -> None:
    token = i18n.use_locale("xx")
    try:
        assert i18n.current_locale() == "en"
        assert i18n.gettext("Sign in") == "Sign in"
    finally:
        i18n._current.reset(token)


# -- negotiation: ?lang, then the cookie, then Accept-Language ------------------------------------------------

@pytest.mark.parametrize(("query", "cookie", "header", "expected"), [
    ("de", "fr", "es", "de"),  # the query wins
    ("DE", None, None, "de"),  # in any case
    ("de-AT", None, None, "de"),  # a region narrows a language we have
    (None, "fr", "es", "fr"),  # then the cookie
    (None, None, "es", "es"),  # then the browser
    ("xx", "fr", "de", "fr"),  # an unknown ?lang is ignored ...
    ("xx", None, "de", "de"),
    ("xx", "yy", None, "en"),  # ... and so is an unknown cookie
    ("", "", "", "en"),
    (None, None, None, "en"),
])
def test_negotiate_order(query: str | None, cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate(query, cookie, header) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
    ("en;q=0.5, de;q=0.9", "de"),  # quality, not order, decides
    ("en-US,en;q=0.9,de;q=0.8", "en"),
    ("pt-BR, es;q=0.4", "es"),  # unsupported languages are skipped
    ("zh, ja;q=0.9", "en"),  # nothing supported: the default
    ("de;q=0, fr;q=0.1", "fr"),  # q=0 means "not this one"
    ("fr, de", "fr"),  # equal quality: the first listed
    ("de ; q=0.7 , es;q=0.8", "es"),  # spaces around the separators
    ("*", "en"),
    ("de;q=abc, fr", "fr"),  # a malformed weight drops that entry only
    ("de;q=, es;q=0.2", "es"),
    ("de;q=-1", "en"),
    ("de;q=nan", "en"),
    (";;;,,,;q=1", "en"),
    ("\x00\xff\ufffd", "en"),
    ("q=0.9", "en"),
])
def test_negotiate_accept_language(header: str, expected: str) -> None:
    assert i18n.negotiate(None, None, header) == expected


def test_negotiate_bounds_the_work_on_huge_headers() -> None:
    header = ", ".join(["zz;q=0.9"] * 100_000 + ["de"])
    assert i18n.negotiate(None, None, header) == "en"  # only the first 20 entries are read


def test_every_locale_has_a_name_and_a_catalog() -> None:
    assert set(i18n.LOCALE_NAMES) == set(i18n.LOCALES)
    for locale in TRANSLATED:
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po").is_file()
