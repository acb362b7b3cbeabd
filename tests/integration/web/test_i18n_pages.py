"""Pages in the visitor's language: ``?lang`` (remembered in the ``br_lang`` cookie), the cookie, Accept-Language."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.server.web import LANG_COOKIE
from tests.integration.conftest import PASSWORD
from tests.integration.web._project_helpers import with_plan
from tests.integration.web.conftest import HX, Client, World, csrf, sign_in

SIGN_IN = {"en": "Sign in", "de": "Anmelden", "fr": "Se connecter", "es": "Iniciar sesión"}
PASSWORD_LABEL = {"en": "Password", "de": "Passwort", "fr": "Mot de passe", "es": "Contraseña"}


def assert_login_page_in(response: httpx.Response, locale: str) -> None:
    assert response.status_code == 200, response.text[:2000]
    text = response.text
    assert f'<html lang="{locale}">' in text
    assert f"<h1>{SIGN_IN[locale]}</h1>" in text
    assert f'<label for="password">{PASSWORD_LABEL[locale]}</label>' in text
    assert response.headers["vary"] == "HX-Request"


def lang_cookie_header(response: httpx.Response) -> str | None:
    return next((value for value in response.headers.get_list("set-cookie") if value.startswith(f"{LANG_COOKIE}=")),
                None)


async def test_lang_query_renders_german_and_is_remembered(client: Client) -> None:
    response = await client.get("/login?lang=de")
    assert_login_page_in(response, "de")
    assert 'href="#main">Zum Hauptinhalt springen</a>' in response.text
    assert '<a href="?lang=de" lang="de" hreflang="de" aria-current="true">Deutsch</a>' in response.text
    cookie = lang_cookie_header(response)
    assert cookie is not None
    assert cookie.startswith("br_lang=de;") and "Path=/" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie

    # The client kept the cookie: the next page is German without asking again, and sets nothing new.
    again = await client.get("/login")
    assert_login_page_in(again, "de")
    assert lang_cookie_header(again) is None


@pytest.mark.parametrize("locale", ["de", "fr", "es"])
async def test_the_cookie_alone_chooses_the_language(client: Client, locale: str) -> None:
    client.cookies.set(LANG_COOKIE, locale)
    assert_login_page_in(await client.get("/login", headers={"Accept-Language": "en"}), locale)


async def test_accept_language_with_weights_gives_french(client: Client) -> None:
    response = await client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert_login_page_in(response, "fr")
    assert lang_cookie_header(response) is None  # only an explicit choice is remembered


async def test_query_beats_cookie_and_cookie_beats_accept_language(client: Client) -> None:
    await client.get("/login?lang=de")  # the server sets the cookie, as a browser would keep it
    assert_login_page_in(await client.get("/login", headers={"Accept-Language": "es"}), "de")
    response = await client.get("/login?lang=fr", headers={"Accept-Language": "es"})
    assert_login_page_in(response, "fr")
    assert (lang_cookie_header(response) or "").startswith("br_lang=fr;")  # the new choice replaces the old
    assert_login_page_in(await client.get("/login"), "fr")


@pytest.mark.parametrize(("query", "headers", "cookie", "expected"), [
    ("xx", {}, None, "en"),  # nothing else to go by: English
    ("xx", {"Accept-Language": "de-DE,de;q=0.9"}, None, "de"),  # the browser's choice still counts
    ("xx", {"Accept-Language": "es"}, "fr", "fr"),  # and so does a saved one
    ("", {}, None, "en"),
    ("%00%ff", {}, None, "en"),
    ("<script>", {"Accept-Language": "fr"}, None, "fr"),
])
async def test_an_unknown_lang_falls_back_sensibly(client: Client, query: str, headers: dict[str, str],
                                                   cookie: str | None, expected: str) -> None:
    if cookie:
        client.cookies.set(LANG_COOKIE, cookie)
    response = await client.get(f"/login?lang={query}", headers=headers)
    assert_login_page_in(response, expected)
    assert lang_cookie_header(response) is None  # an unusable choice is not remembered
    assert "<script>" not in response.text


@pytest.mark.parametrize("header", ["*", "zh-CN, ja;q=0.9", ";;;,,q=abc", "de;q=0", "x" * 4000])
async def test_unusable_accept_language_headers_give_english(client: Client, header: str) -> None:
    assert_login_page_in(await client.get("/login", headers={"Accept-Language": header}), "en")


async def test_an_htmx_fragment_is_translated_too(client: Client) -> None:
    response = await client.get("/login?lang=es", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert '<label for="password">Contraseña</label>' in response.text and ">Iniciar sesión</button>" in response.text


async def test_messages_from_python_code_are_translated(client: Client, db: AsyncSession, world: World) -> None:
    """A flash message is translated by the handler (gettext in Python), in the visitor's language."""
    client.cookies.set(LANG_COOKIE, "de")
    response = await client.post("/login", data={"email": "alice@example.com", "password": PASSWORD,
                                                  "_csrf_token": await csrf(client)}, follow_redirects=False)
    assert response.status_code == 303, response.text[:2000]
    page = await client.get(response.headers["location"])
    assert '<html lang="de">' in page.text
    assert "Sie sind angemeldet." in page.text
    assert ">Abmelden</button>" in page.text


async def test_plan_page_in_french_with_plural_forms(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    client.cookies.set(LANG_COOKIE, "fr")
    text = (await client.get("/p/WEB")).text
    assert '<html lang="fr">' in text
    assert "30 micro-étapes correspondent." in text and "6/30 terminées" in text
    assert '<span class="badge status-review">En revue</span>' in text  # the label is translated, the value is not
    assert 'aria-label="Progression de l’ensemble du plan"' in text
    one = (await client.get("/p/WEB?q=SEED", headers=HX)).text
    assert "1 micro-étape correspond." in one


async def test_plan_page_in_german(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    text = (await client.get("/p/WEB?lang=de")).text
    assert '<html lang="de">' in text
    assert "30 Mikroschritte passen." in text and "6/30 erledigt" in text and "In Prüfung" in text


# -- messages from the service layer and the error pages -------------------------------------------------------

async def test_a_service_refusal_is_shown_in_the_visitors_language(client: Client, world: World) -> None:
    """The service raises the error in the request's language; the page shows it as it is."""
    response = await client.post("/login?lang=de", data={"email": "alice@example.com", "password": "wrong password",
                                                          "_csrf_token": await csrf(client)})
    assert response.status_code == 400, response.text[:2000]
    assert '<html lang="de">' in response.text
    assert "die E-Mail-Adresse oder das Passwort ist falsch" in response.text
    assert "the email or password is wrong" not in response.text


async def test_an_error_page_has_its_title_and_detail_translated(client: Client, db: AsyncSession,
                                                                 world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await client.get("/p/NOPE?lang=fr")
    assert response.status_code == 404
    assert "<h1>Introuvable</h1>" in response.text
    assert "aucun projet &#39;NOPE&#39; dans vos organisations" in response.text


async def test_an_api_problem_speaks_the_accept_language(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    response = await client.get("/api/v1/projects/NOPE", headers={"Accept-Language": "es-ES, en;q=0.5"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == "es"
    problem = response.json()
    # type and status identify the problem whatever the language; title and detail are for people.
    assert problem["type"] == "https://buildrunner.dev/problems/not-found"
    assert problem["title"] == "No encontrado"
    assert problem["detail"] == "no hay ningún proyecto 'NOPE' en tus organizaciones"

    english = await client.get("/api/v1/projects/NOPE")
    assert english.headers["content-language"] == "en"
    assert english.json()["detail"] == "no project 'NOPE' in your organizations"
    assert english.json()["title"] == "Not found"



@pytest.mark.parametrize(("path", "method", "status"), [("/no/such/page", "GET", 404), ("/login", "DELETE", 405)])
async def test_pages_the_router_refuses_speak_the_visitors_language(client: Client, path: str, method: str,
                                                                    status: int) -> None:
    page = await client.request(method, path, headers={"Accept-Language": "fr"})
    assert page.status_code == status and '<html lang="fr">' in page.text
    assert "Not Found" not in page.text and "Method Not Allowed" not in page.text


@pytest.mark.parametrize(("path", "method", "status"), [("/api/v1/no-such", "GET", 404),
                                                       ("/api/v1/projects", "DELETE", 405)])
async def test_api_answers_the_router_refuses_speak_the_callers_language(client: Client, path: str, method: str,
                                                                         status: int) -> None:
    problem = await client.request(method, path, headers={"Cookie": f"{LANG_COOKIE}=es"})
    assert problem.status_code == status and problem.headers["content-language"] == "es"
    assert problem.json()["detail"] not in ("Not Found", "Method Not Allowed")
