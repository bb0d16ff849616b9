"""Deployment settings, Markdown sanitizing, security headers, Host checking and the 500 page."""

from __future__ import annotations

import os
import re
import secrets
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import path

from pmhub import urls as pmhub_urls
from pmhub.capabilities import Role
from pmhub.rendering import render_markdown
from pmhub.security import POLICY
from pmhub.services import product_create
from tests.factories import api_client, make_member, run_manage

ROOT = Path(__file__).resolve().parents[2]


# --- manage.py check --deploy under production settings -----------------------------------------


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process, pointing at the tests' PostgreSQL and Redis."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(ROOT)),
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.production",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "pmhub.example.com",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({}, id="https"),
        # A plain-HTTP install (no TLS proxy) silences exactly the HTTPS-only checks.
        pytest.param({"SECURE_SSL_REDIRECT": "0"}, id="plain-http"),
    ],
)
def test_check_deploy_is_clean_under_production_settings(extra):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(**extra))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("override", "check_id"),
    [
        pytest.param({"SECRET_KEY": "short"}, "security.W009", id="weak secret key"),
        pytest.param({"DEBUG": "1"}, "security.W018", id="debug on"),
    ],
)
def test_check_deploy_fails_on_an_unsafe_setting(override, check_id):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(**override)
    )
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_test_settings_run_with_debug_off(settings):
    # The tests below (500 page, Host checks) mean something only without DEBUG.
    assert settings.DEBUG is False


# --- Markdown sanitizing --------------------------------------------------------------------------

ALLOWED_SCHEMES = ("http:", "https:", "mailto:")
FORBIDDEN_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "style",
    "svg",
    "math",
    "form",
    "input",
    "button",
    "link",
    "meta",
    "base",
    "textarea",
    "select",
}


class HtmlFacts(HTMLParser):
    """Collects tags, attributes and inline script text of an HTML fragment or page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.script_text.append(data)


def facts(html: str) -> HtmlFacts:
    parser = HtmlFacts()
    parser.feed(html)
    parser.close()
    return parser


def assert_safe_fragment(html: str) -> None:
    """No tag that runs code, no event handler or htmx attribute, no scheme but http(s)/mailto."""
    found = facts(html)
    for tag, attrs in found.tags:
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs.items():
            assert not name.startswith(("on", "hx-", "data-")), html
            assert name not in {"style", "srcdoc", "formaction", "action"}, html
            if name in {"href", "src"} and value:
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
                assert scheme is None or value.strip().lower().startswith(ALLOWED_SCHEMES), html
    assert not found.script_text, html


XSS_PAYLOADS = [
    "<script>alert('script')</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x" onerror="alert(\'onerror\')">',
    "<img src=x onerror=alert(1)//",
    '<a href="javascript:alert(1)">js link</a>',
    "[md link](javascript:alert(1))",
    "[mixed case](JaVaScRiPt:alert(1))",
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "![img](javascript:alert(1))",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data link</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<div onclick="alert(1)">div</div>',
    "<svg onload=alert(1)></svg>",
    "<style>body { display: none }</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<a hx-get="/api/v1/tokens/" hx-trigger="load">htmx</a>',
    '<object data="https://evil.example/x.swf"></object>',
    '<form action="https://evil.example"><button>go</button></form>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
    "</mtext></math>",
]
EVIL = "\n\n".join(XSS_PAYLOADS)
# ``onerror=`` inside a tag (an attribute), as opposed to the escaped text ``&lt;img onerror=``.
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[^<>]*\son[a-z]+\s*=", re.IGNORECASE)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_rendering_strips_scripts_event_handlers_and_bad_links(payload):
    html = render_markdown(payload)
    assert_safe_fragment(html)
    assert "<script" not in html.lower()
    assert not EVENT_HANDLER_ATTRIBUTE.search(html)  # as escaped text it may stay: it runs nothing
    assert "javascript:" not in html.lower()


def test_markdown_rendering_keeps_ordinary_formatting_and_safe_links():
    html = render_markdown(
        "# Vision\n\n**Bold** and *italic* with [a link](https://example.com) and `code`.\n\n"
        "- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h1>Vision</h1>" in html
    assert "<strong>Bold</strong>" in html and "<em>italic</em>" in html
    assert 'href="https://example.com"' in html and "nofollow" in html
    assert "<li>one</li>" in html and "<table>" in html and "<code>code</code>" in html


@pytest.fixture
def evil_product(tenant_a):
    return product_create(
        workspace=tenant_a.workspace,
        actor=tenant_a.owner,
        name="Evil <script>alert('name')</script>",
        description="<img src=x onerror=alert('description')>",
        vision=EVIL,
        strategy=EVIL,
    )


def test_product_page_shows_sanitized_vision_and_strategy(client, tenant_a, evil_product):
    client.force_login(tenant_a.owner)
    response = client.get(f"/products/{evil_product.slug}/")
    assert response.status_code == 200
    page = response.content.decode()

    for testid in ("vision", "strategy"):
        match = re.search(rf'data-testid="{testid}">(.*?)</div>', page, re.S)
        assert match, testid
        assert_safe_fragment(match.group(1))
        assert "js link" in match.group(1)  # the text survives, the code does not

    # The page as a whole: scripts only from our static files, no inline handlers or js: URLs.
    found = facts(page)
    assert not found.script_text
    for tag, attrs in found.tags:
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not any("javascript:" in (value or "").lower() for value in attrs.values())
    # Plain-text fields are escaped, not rendered.
    assert "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(&#x27;description&#x27;)&gt;" in page


def test_api_serves_sanitized_vision_html_and_the_raw_markdown(tenant_a, evil_product):
    viewer = make_member(tenant_a.workspace, Role.VIEWER)
    body = api_client(viewer, tenant_a.workspace).get(f"/api/v1/products/{evil_product.pk}/").json()
    assert body["vision"] == EVIL  # what the author wrote, for editing
    for key in ("vision_html", "strategy_html"):
        assert_safe_fragment(body[key])
        assert "<script" not in body[key].lower()
        assert not EVENT_HANDLER_ATTRIBUTE.search(body[key])


# --- Headers --------------------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/v1/workspace/"])
def test_every_response_carries_a_content_security_policy(client, db, url):
    response = client.get(url)
    header = response["Content-Security-Policy"]
    assert header == POLICY
    directives = csp_directives(header)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives.get("default-src", [])


def test_pages_deny_framing_and_sniffing(client, db):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# --- Unknown Host ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/accounts/login/", "/api/v1/workspace/", "/healthz"])
@pytest.mark.parametrize("host", ["evil.example.com", "testserver.evil.example.com", "127.0.0.2"])
def test_unknown_host_is_a_400(db, url, host):
    response = Client(raise_request_exception=False).get(url, HTTP_HOST=host)
    assert response.status_code == 400


def test_forwarded_host_is_not_trusted(db):
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_HOST="evil.example.com")
    assert response.status_code == 200
    assert "evil.example.com" not in response.content.decode()


# --- A 500 shows no traceback ---------------------------------------------------------------------

SECRET_DETAIL = "db-password-hunter2-" + secrets.token_hex(4)


def explode(request: HttpRequest):
    raise RuntimeError(f"internal detail {SECRET_DETAIL}")


# This module doubles as a URL conf: pmhub's routes plus two that fail on purpose.
urlpatterns = [
    path("boom/", explode),
    path("api/v1/boom/", explode),
    *pmhub_urls.urlpatterns,
]
handler404 = pmhub_urls.handler404


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/boom/", "/api/v1/boom/"])
def test_a_500_shows_no_traceback_or_internal_detail(db, url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 500
    content = response.content.decode()
    assert SECRET_DETAIL not in content
    assert "Traceback" not in content
    assert "RuntimeError" not in content
    assert "explode" not in content
    assert "SECRET_KEY" not in content
