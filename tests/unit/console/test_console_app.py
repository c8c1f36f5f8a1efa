"""The console's app without the services: sign-in rules, CSRF, the session cookie, headers."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from services.console.adapters.sessions import COOKIE_NAME
from services.console.entrypoints.http import create_app, offers_sign_in
from services.console.settings import ConsoleSettings
from shared.settings import SettingsError, load_settings

SECRET = SecretStr("s" * 40)
CLOSED = "http://127.0.0.1:9"  # discard port: nothing answers


def console_client(
    tmp_path: Path, environment: str = "development", oidc_issuer: str | None = None
) -> TestClient:
    settings = load_settings(
        service_name="console", environment=environment, auth_dev_keys_dir=tmp_path / "auth"
    )
    console = ConsoleSettings(
        session_secret=SECRET,
        intake_url=CLOSED,
        policy_url=CLOSED,
        records_url=CLOSED,
        privacy_url=CLOSED,
        service_timeout_s=2,
        oidc_issuer=oidc_issuer,
        oidc_client_id="console" if oidc_issuer else "",
    )
    return TestClient(create_app(settings, console), follow_redirects=False)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with console_client(tmp_path) as test_client:
        yield test_client


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page
    return match[1]


def sign_in(client: TestClient, role: str = "legal") -> None:
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin/development", data={"csrf": token, "role": role})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_signing_in_sets_a_strict_http_only_cookie(client: TestClient) -> None:
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin/development", data={"csrf": token, "role": "legal"})

    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain http here; over https the cookie is Secure
    assert "Legal" in client.get("/").text


def test_a_form_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/signin")
    answer = client.post("/signin/development", data={"role": "legal"})

    assert answer.status_code == 403
    assert "CSRF" in answer.text
    assert client.get("/").headers["location"] == "/signin"  # still signed out


def test_a_tampered_session_cookie_is_refused(client: TestClient) -> None:
    sign_in(client)
    value = client.cookies[COOKIE_NAME]
    client.cookies.clear()
    client.cookies[COOKIE_NAME] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")

    answer = client.get("/")

    assert answer.status_code == 401
    assert "sign in again" in answer.text


def test_production_refuses_development_sign_in(tmp_path: Path) -> None:
    with console_client(tmp_path, environment="production", oidc_issuer=CLOSED) as client:
        page = client.get("/signin")
        answer = client.post(
            "/signin/development", data={"csrf": csrf_of(page.text), "role": "admin"}
        )

    assert page.status_code == 200
    assert 'action="/signin/oidc"' in page.text  # the identity provider is the one way in
    assert 'action="/signin/development"' not in page.text
    assert answer.status_code == 403
    assert COOKIE_NAME not in client.cookies or "user" not in client.cookies[COOKIE_NAME]


def test_production_needs_an_identity_provider(tmp_path: Path) -> None:
    settings = load_settings(service_name="console", environment="production")
    with pytest.raises(SettingsError, match="CASELOG_CONSOLE_OIDC_ISSUER"):
        create_app(settings, ConsoleSettings(session_secret=SECRET))


def test_production_beside_the_services_refuses_sign_in_and_says_what_to_set() -> None:
    settings = load_settings(service_name="console", environment="production")
    app = create_app(settings, ConsoleSettings(session_secret=SECRET), beside_services=True)
    with TestClient(app, follow_redirects=False) as client:
        page = client.get("/signin", headers={"Accept-Language": "ja"})
        provider = client.post("/signin/oidc", data={"csrf": csrf_of(page.text)})
        home = client.get("/")

    assert not offers_sign_in(app)
    assert page.status_code == 503
    assert "CASELOG_CONSOLE_OIDC_ISSUER" in page.text
    assert "サインインは無効です" in page.text
    assert 'action="/signin/development"' not in page.text
    assert 'action="/signin/oidc"' not in page.text
    assert provider.status_code == 404
    assert home.headers["location"] == "/signin"  # no one signed in


def test_a_callback_no_sign_in_started_here_signs_no_one_in(tmp_path: Path) -> None:
    with console_client(tmp_path, environment="production", oidc_issuer=CLOSED) as client:
        client.get("/signin")
        answer = client.get("/signin/oidc/callback", params={"code": "forged", "state": "x"})
        home = client.get("/")

    assert answer.status_code == 400
    assert "not started here" in answer.text
    assert "forged" not in answer.text
    assert home.headers["location"] == "/signin"  # still signed out


def test_production_needs_a_session_secret(tmp_path: Path) -> None:
    settings = load_settings(service_name="console", environment="production")
    with pytest.raises(SettingsError, match="CASELOG_CONSOLE_SESSION_SECRET"):
        create_app(settings, ConsoleSettings(oidc_issuer=CLOSED, oidc_client_id="console"))


def test_pages_are_never_cached_and_allow_only_the_consoles_own_scripts(
    client: TestClient,
) -> None:
    page = client.get("/signin")
    asset = client.get("/assets/console.js")

    assert page.headers["cache-control"] == "no-store"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "'unsafe-inline'" not in policy
    assert "<script>" not in page.text
    assert " style=" not in page.text
    assert asset.status_code == 200
    assert "no-store" not in asset.headers.get("cache-control", "")


def test_every_control_has_a_label(client: TestClient) -> None:
    sign_in(client)
    for page in (client.get("/signin").text, client.get("/").text):
        controls = re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*id="([^"]+)"', page)
        assert controls
        for control in controls:
            assert f'for="{control}"' in page, control


def test_the_language_switch_goes_back_only_to_a_console_path(client: TestClient) -> None:
    token = csrf_of(client.get("/signin").text)
    home = client.post("/language", data={"csrf": token, "lang": "ja", "next": "//evil.example"})
    back = client.post("/language", data={"csrf": token, "lang": "ja", "next": "/signin"})

    assert home.headers["location"] == "/"
    assert back.headers["location"] == "/signin"
    assert "サインイン" in client.get("/signin").text


def test_an_unreachable_service_is_a_page_not_a_stack_trace(client: TestClient) -> None:
    sign_in(client)
    answer = client.get("/cases/some-case")

    assert answer.status_code == 502
    assert "did not answer" in answer.text


def test_a_malformed_as_of_names_the_field_without_repeating_it(client: TestClient) -> None:
    sign_in(client)
    answer = client.get("/cases/some-case", params={"as_of": "not-a-time-<b>"})

    assert answer.status_code == 422
    assert "as_of" in answer.text
    assert "not-a-time" not in answer.text
