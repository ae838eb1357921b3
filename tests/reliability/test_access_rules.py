"""Access rules, walked over every URL rule of the app (``app.url_map``), not a hand-picked list.

* anonymous requests reach only the login page and static files;
* staff reach no editor or admin page or API (403), with a session or with a bearer token;
* every state-changing request made with a session needs its CSRF token, and every POST form
  the pages render carries one;
* the session cookie is HttpOnly and SameSite; every response carries a Content-Security-Policy
  whose script-src has no 'unsafe-inline', frame-ancestors, and X-Content-Type-Options;
* text from a hostile source document is escaped wherever a page shows it.

The app is production-configured (TESTING off) over a small store built with the hashing embedder.
"""
from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import url_for

from hostile_inputs import PLAN
from ingest.pipeline import ingest_paths
from plandraft import settings as settings_mod
from vectorstore.embedder import HashingEmbedder

PASSWORD = "access-rules-password"
USERS = {"stan": "staff", "edna": "editor", "adam": "admin"}
PUBLIC = {"auth.login", "static"}
# The first run's setup page: public while no account exists, 404 once one does (as here).
FIRST_RUN = {"auth.setup"}
# Open to any logged-in user (no role needed): who am I, health, the API description, logging out.
ANY_USER = {"api.health", "api.me", "api.openapi", "auth.logout"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
XSS_TITLE = "青禾镇<script>alert('标题')</script>政协工作计划"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from plandraft.resources import open_store
    from service import close, create_app
    from service.accounts import create_user, new_token
    from service.db import session_scope

    data_dir = tmp_path_factory.mktemp("access")
    src = data_dir / "sources"
    src.mkdir()
    (src / "plan.txt").write_text(PLAN, encoding="utf-8")
    # A source whose title and text are markup (as text): pages must show it, escaped.
    body = PLAN.split("\n", 1)[1]
    (src / "xss.txt").write_text(f"{XSS_TITLE}\n{body}<img src=x onerror=alert(1)>委员履职。\n", encoding="utf-8")
    store = open_store(settings_mod.load({"DATA_DIR": str(data_dir)}, environ={}), embedder=HashingEmbedder())
    report = ingest_paths([src], store, max_bytes=1 << 22)
    assert not report.errors
    docs = {Path(d.source).name: d.id for d in store.documents()}
    assert any("<script>" in d.title for d in store.documents())
    store.close()

    app = create_app({
        "DATA_DIR": str(data_dir), "SECRET_KEY": "access-rules-secret", "EMBEDDER": HashingEmbedder(),
        "LLM_BASE_URL": "http://127.0.0.1:9/v1", "LLM_TIMEOUT": 1.0,
    })
    assert not app.testing
    tokens = {}
    with app.app_context():
        with session_scope() as db:
            for name, role in USERS.items():
                tokens[role] = new_token(db, create_user(db, name, role, PASSWORD))
    staff_api = app.test_client()
    made = staff_api.post("/api/drafts", json={"level": "乡镇", "year": 2026, "org_name": "青禾镇政协工作组"},
                          headers={"Authorization": f"Bearer {tokens['staff']}"})
    assert made.status_code in (200, 201), made.text
    draft_id = made.get_json().get("id") or made.get_json()["draft"]["id"]
    yield {"app": app, "tokens": tokens, "draft_id": draft_id, "doc_id": docs["plan.txt"], "xss_doc": docs["xss.txt"]}
    close(app)


def _args(site) -> dict:
    return {"draft_id": site["draft_id"], "doc_id": site["doc_id"], "number": 1, "fmt": "docx",
            "job_id": "no-such-job", "filename": "app.css"}


def every_route(site) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method of the app."""
    app, args = site["app"], _args(site)
    out = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            unknown = set(rule.arguments) - set(args)
            assert not unknown, f"{rule.rule}: add sample values for {unknown} to this test"
            url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                out.append((rule.endpoint, method, url))
    assert len(out) > 30
    return out


def required_role(app, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "required_role", None)


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, "page has no csrf-token meta"
    return m.group(1)


def session_client(app, name: str):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert response.status_code == 302, response.text
    return client, csrf_of(client.get("/").text), response


def _body(method: str) -> dict:
    return {"json": {}} if method in UNSAFE else {}


# --- who may reach what ------------------------------------------------------------------------


def test_every_non_public_route_declares_who_may_use_it(site):
    app = site["app"]
    for endpoint, method, url in every_route(site):
        if endpoint in PUBLIC or endpoint in ANY_USER or endpoint in FIRST_RUN:
            continue
        role = required_role(app, endpoint)
        assert role in ("staff", "editor", "admin"), f"{method} {url} ({endpoint}) declares no role"
        if url.startswith("/admin") or url.startswith("/api/ingest") or url in ("/api/stats", "/api/families"):
            assert role == "admin", f"{method} {url} is an admin route but requires only {role}"
        if url.startswith("/api/documents") and method in UNSAFE:
            assert role == "admin", f"{method} {url} changes the corpus but requires only {role}"


def test_anonymous_reaches_only_login_and_static(site):
    client = site["app"].test_client()
    for endpoint, method, url in every_route(site):
        response = client.open(url, method=method, **_body(method))
        if endpoint in PUBLIC:
            assert response.status_code in (200, 400), f"{method} {url}: {response.status_code}"
            continue
        if endpoint in FIRST_RUN:
            # A POST without its CSRF token is refused (400) before the page says it is gone.
            assert response.status_code == (404 if method == "GET" else 400), f"{method} {url}: {response.status_code}"
            continue
        status = response.status_code
        assert status in (401, 302), f"anonymous {method} {url} got {status}"
        if status == 302:
            assert response.headers["Location"].startswith("/login"), response.headers["Location"]
        else:
            assert response.get_json()["ok"] is False


def test_staff_reach_no_editor_or_admin_route(site):
    app = site["app"]
    browser, csrf, _ = session_client(app, "stan")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {site['tokens']['staff']}"}
    checked = 0
    for endpoint, method, url in every_route(site):
        if required_role(app, endpoint) not in ("editor", "admin"):
            continue
        by_session = browser.open(url, method=method, headers={"X-CSRFToken": csrf}, **_body(method))
        by_token = api.open(url, method=method, headers=bearer, **_body(method))
        for how, response in (("session", by_session), ("token", by_token)):
            assert response.status_code == 403, f"staff ({how}) {method} {url} got {response.status_code}"
        checked += 1
    assert checked >= 15


def test_a_bad_token_is_refused_even_with_a_session(site):
    app = site["app"]
    browser, _, _ = session_client(app, "adam")
    response = browser.get("/api/stats", headers={"Authorization": "Bearer pd_not-a-real-token"})
    assert response.status_code == 401


# --- CSRF ----------------------------------------------------------------------------------------


def test_every_state_changing_route_needs_the_csrf_token_with_a_session(site):
    app = site["app"]
    browser, csrf, _ = session_client(app, "adam")
    checked = 0
    for endpoint, method, url in every_route(site):
        if method not in UNSAFE or endpoint == "static":
            continue
        for headers in ({}, {"X-CSRFToken": "forged-token"}):
            response = browser.open(url, method=method, headers=headers, json={})
            assert response.status_code == 400, f"{method} {url} without a valid CSRF token got {response.status_code}"
            assert "csrf" in response.text.lower()
        checked += 1
    assert checked >= 10
    # Still logged in and allowed: the refusals above were about the token, not the session.
    assert browser.get("/api/me").status_code == 200


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "action": attrs.get("action"), "csrf": None})
        elif tag == "input" and self.forms and attrs.get("name") == "csrf_token":
            self.forms[-1]["csrf"] = attrs.get("value")


def _pages(site, client) -> dict[str, object]:
    """Every GET page (not API, not static) as ``client`` sees it."""
    out = {}
    for endpoint, method, url in every_route(site):
        if method == "GET" and not url.startswith("/api/") and endpoint != "static":
            out[url] = client.get(url)
    return out


def test_every_post_form_carries_the_csrf_token(site):
    app = site["app"]
    forms = 0
    for name in ("adam", "edna", "stan"):
        browser, _, _ = session_client(app, name)
        for url, response in _pages(site, browser).items():
            if not response.mimetype == "text/html":
                continue
            parser = _Forms()
            parser.feed(response.text)
            for form in parser.forms:
                if form["method"] == "post":
                    forms += 1
                    # One token per request (the page's meta tag holds it too); a signed token
                    # rendered in another second would differ, so compare within the page.
                    assert form["csrf"] and form["csrf"] == csrf_of(response.text), (
                        f"a POST form on {url} (action {form['action']}) has no valid CSRF token")
    assert forms >= 5


# --- cookies and headers -------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(site):
    _, _, login = session_client(site["app"], "stan")
    cookies = login.headers.getlist("Set-Cookie")
    session = [c for c in cookies if c.startswith("session=")]
    assert session, cookies
    for cookie in cookies:
        attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
        assert "httponly" in attrs, cookie
        assert attrs.get("samesite", "").lower() in ("samesite=lax", "samesite=strict"), cookie


def test_token_calls_set_no_cookie(site):
    response = site["app"].test_client().get("/api/me", headers={"Authorization": f"Bearer {site['tokens']['staff']}"})
    assert response.status_code == 200 and not response.headers.getlist("Set-Cookie")


def _check_headers(url: str, response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src") or directives.get("default-src")
    assert script, f"{url}: no script-src or default-src in {csp!r}"
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, f"{url}: {script}"
    assert "frame-ancestors" in directives, f"{url}: no frame-ancestors"
    assert directives["frame-ancestors"].split()[1:] in (["'none'"], ["'self'"])
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url


def test_every_response_carries_the_security_headers(site):
    app = site["app"]
    anonymous = app.test_client()
    admin, _, _ = session_client(app, "adam")
    seen = 0
    for client in (anonymous, admin):
        for endpoint, method, url in every_route(site):
            if method != "GET":
                continue
            response = client.get(url)
            _check_headers(url, response)
            seen += 1
    for url in ("/no/such/page", "/api/no-such-endpoint", "/static/no-such-file.js"):
        _check_headers(url, admin.get(url))
    assert seen > 40


def test_pages_render_no_inline_script(site):
    """A CSP without 'unsafe-inline' only works if the pages need none."""
    admin, _, _ = session_client(site["app"], "adam")
    for url, response in _pages(site, admin).items():
        if response.mimetype == "text/html":
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), f"inline <script> on {url}"
            # Inside a tag: a hostile source's text shown escaped (&lt;img onerror=…) is no handler.
            assert not re.search(r"<[^>]*\son[a-z]+\s*=", response.text), f"inline event handler on {url}"


def test_hostile_document_text_is_escaped_in_pages(site):
    app = site["app"]
    editor, _, _ = session_client(app, "edna")
    admin, _, _ = session_client(app, "adam")
    with app.test_request_context():
        document_page = url_for("compare.document", doc_id=site["xss_doc"])
    for client, url in ((editor, document_page), (admin, "/admin/documents")):
        response = client.get(url)
        assert response.status_code == 200
        assert "<script>alert(" not in response.text and "<img src=x" not in response.text, url
        assert "&lt;script&gt;alert(" in response.text or "&lt;img src=x" in response.text, url


def test_login_never_redirects_off_site(site):
    app = site["app"]
    targets = ("//evil.example/", "https://evil.example/", "/\\evil.example/", "/\\/evil.example/", "\\\\evil.example", "/\t/evil.example/")
    for target in targets:
        client = app.test_client()
        page = client.get("/login")
        response = client.post("/login", query_string={"next": target},
                               data={"name": "stan", "password": PASSWORD, "csrf_token": csrf_of(page.text)})
        location = response.headers["Location"]
        # A raw backslash would be read as a slash by browsers ("/\\host" → "//host"); werkzeug
        # sends it percent-encoded, which browsers keep as part of the path.
        assert "\\" not in location and not location.replace("\t", "").startswith("//"), f"next={target!r} → {location!r}"
        assert location.startswith("/") and not location.startswith("//"), f"next={target!r} → {location!r}"


# --- the load-test script (scripts/load_test.py) ---------------------------------------------------


def _load_test_module():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "load_test.py"
    spec = importlib.util.spec_from_file_location("plandraft_load_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("url", ["http://10.0.0.1:5000", "http://example.com", "http://127.0.0.1.evil.example:80", "ftp://127.0.0.1/", "http://[::2]:5000"])
def test_load_test_refuses_hosts_off_loopback(url):
    with pytest.raises(SystemExit):
        _load_test_module().check_loopback(url)


@pytest.mark.slow  # serves the app on loopback and runs the load test against it
def test_load_test_runs_against_a_live_server_and_stops_by_itself(site, capsys):
    import threading
    import time

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, site["app"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        t0 = time.monotonic()
        code = _load_test_module().main([f"http://127.0.0.1:{server.server_port}", "--token", site["tokens"]["staff"],
                                         "--clients", "2", "--seconds", "3", "--json"])
        took = time.monotonic() - t0
    finally:
        server.shutdown()
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and took < 60
    assert report["endpoints"]["all"]["ok"] > 0 and report["endpoints"]["all"]["errors"] == {}
    assert report["endpoints"]["search"]["p95_ms"] is not None
