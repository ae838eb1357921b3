"""Accounts, sessions, tokens, CSRF, roles, security headers — and the one error shape."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from plandraft.cli import main as cli

ERROR_KEYS = {"ok", "error", "status"}


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.get_json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status and body["error"]
    return body


# -- anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/drafts/new", "/drafts/abc", "/drafts/abc/compare", "/documents/x", "/admin/", "/admin/documents", "/admin/upload", "/admin/stats"])
def test_anonymous_pages_redirect_to_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/api/health"), ("GET", "/api/openapi.json"), ("GET", "/api/drafts"), ("POST", "/api/drafts"), ("GET", "/api/search?q=学习"),
     ("GET", "/api/documents"), ("POST", "/api/ingest"), ("DELETE", "/api/documents/x/source"), ("PATCH", "/api/documents/x")],
)
def test_anonymous_api_gets_401_in_the_error_shape(app, method, path):
    assert_error(app.test_client().open(path, method=method, json={}), 401)


def test_login_page_and_static_files_are_public(app):
    client = app.test_client()
    assert client.get("/login").status_code == 200
    for name in ("app.css", "app.js", "draft-new.js", "draft-edit.js", "compare.js", "admin-job.js"):
        assert client.get(f"/static/{name}").status_code == 200, name


def test_error_shape_for_api_and_page_for_browsers(app, login):
    staff = login("sam")
    assert_error(staff.get("/api/no-such-thing"), 404)
    assert_error(staff.get("/api/drafts/unknown"), 404)
    page = staff.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "找不到页面" in page.text and "Not Found" not in page.text
    # A browser page asked for JSON gets JSON too.
    assert_error(staff.get("/no-such-page", headers={"Accept": "application/json"}), 404)


# -- login -----------------------------------------------------------------------------------


def test_login_with_wrong_password_fails_and_right_one_works(app, h):
    client = app.test_client()
    token = h.csrf_of(client.get("/login").text)
    bad = client.post("/login", data={"name": "sam", "password": "nope", "csrf_token": token})
    assert bad.status_code == 200 and "用户名或密码不正确" in bad.text
    unknown = client.post("/login", data={"name": "nobody", "password": h.PASSWORD, "csrf_token": token})
    assert "用户名或密码不正确" in unknown.text
    good = client.post("/login?next=/drafts/new", data={"name": "sam", "password": h.PASSWORD, "csrf_token": token})
    assert good.status_code == 302 and good.headers["Location"] == "/drafts/new"
    assert client.get("/").status_code == 200


def test_repeated_failed_logins_lock_that_name_for_a_window(app, h):
    from datetime import timedelta

    from service.db import LoginFailure, session_scope

    app.config.update(LOGIN_ATTEMPTS=3, LOGIN_WINDOW_SECONDS=300)
    client = app.test_client()
    token = h.csrf_of(client.get("/login").text)

    def attempt(name, password):
        return client.post("/login", data={"name": name, "password": password, "csrf_token": token})

    for _ in range(3):
        assert "用户名或密码不正确" in attempt("sam", "guess").text
    # Now even the right password is refused for that name, before it is checked ...
    locked = attempt("sam", h.PASSWORD)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text and "5分钟" in locked.text
    # ... while other names are not affected.
    assert attempt("sue", h.PASSWORD).status_code == 302
    # Once the failures are older than the window, the name may log in again, which clears them.
    with app.app_context(), session_scope() as db:
        for failure in db.query(LoginFailure).filter_by(name="sam"):
            failure.at -= timedelta(seconds=301)
    client = app.test_client()
    token = h.csrf_of(client.get("/login").text)
    assert attempt("sam", h.PASSWORD).status_code == 302
    with app.app_context(), session_scope() as db:
        assert db.query(LoginFailure).filter_by(name="sam").count() == 0


def test_secure_cookies_when_behind_tls(tmp_path, h):
    from service import close

    secure = h.make_app(tmp_path / "data", COOKIE_SECURE=True)
    try:
        client = secure.test_client()
        token = h.csrf_of(client.get("/login").text)
        response = client.post("/login", data={"name": "sam", "password": h.PASSWORD, "csrf_token": token, "remember": "y"})
        assert response.status_code == 302 and "Secure" in response.headers["Set-Cookie"]
    finally:
        close(secure)


def test_login_never_redirects_off_site(app, h):
    client = app.test_client()
    token = h.csrf_of(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post("/login", query_string={"next": target}, data={"name": "sam", "password": h.PASSWORD, "csrf_token": token})
        assert response.headers["Location"] == "/", target


def test_login_without_csrf_token_is_refused(app, h):
    response = app.test_client().post("/login", data={"name": "sam", "password": h.PASSWORD})
    assert response.status_code == 400 and "CSRF" in response.text


def test_logout_ends_the_session(app, login):
    staff = login("sam")
    assert staff.form("/logout", {}).status_code == 302
    assert staff.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(app, h):
    client = app.test_client()
    token = h.csrf_of(client.get("/login").text)
    response = client.post("/login", data={"name": "sam", "password": h.PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_security_headers_on_every_response(app, login):
    staff = login("sam")
    for response in (app.test_client().get("/login"), staff.get("/"), staff.get("/api/health"), app.test_client().get("/static/app.js")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- tokens ----------------------------------------------------------------------------------


def test_bearer_token_authenticates_without_a_session(app, tokens, h):
    client = app.test_client()
    response = client.get("/api/me", headers=h.bearer(tokens["eve"]))
    assert response.get_json() == {"name": "eve", "role": "editor"}
    assert "Set-Cookie" not in response.headers  # token calls are stateless
    assert client.get("/api/me").status_code == 401  # and leave nothing behind


def test_bad_token_is_refused_even_with_a_session(app, login):
    staff = login("sam")
    assert_error(staff.get("/api/me", headers={"Authorization": "Bearer pd_forged"}), 401)
    assert_error(app.test_client().get("/api/me", headers={"Authorization": "Bearer "}), 401)


def test_tokens_are_stored_hashed(app, tokens):
    from sqlalchemy import select

    from service.db import ApiToken, session_scope

    with app.app_context(), session_scope() as db:
        stored = [t.token_hash for t in db.scalars(select(ApiToken))]
    assert len(stored) == len(tokens)
    assert not any(tok in stored for tok in tokens.values())


# -- CSRF ------------------------------------------------------------------------------------


def test_session_json_post_without_csrf_header_is_refused(app, login, draft_request):
    staff = login("sam")
    body = assert_error(staff.client.post("/api/drafts", json=draft_request), 400)
    assert "CSRF" in body["error"]
    assert staff.post_json("/api/drafts", draft_request).status_code == 201


def test_session_form_post_without_csrf_is_refused(app, login):
    staff = login("sam")
    response = staff.client.post("/drafts/new", data={"level": "乡镇", "year": "2026", "org_name": "杭川镇政协工作组"})
    assert response.status_code == 400 and "CSRF" in response.text


def test_token_calls_need_no_csrf(app, tokens, h, draft_request):
    response = app.test_client().post("/api/drafts", json=draft_request, headers=h.bearer(tokens["sam"]))
    assert response.status_code == 201


# -- roles -----------------------------------------------------------------------------------


def test_staff_may_draft_and_compare_their_own_but_not_administer(app, tokens, h, draft_request):
    client, auth = app.test_client(), h.bearer(tokens["sam"])
    draft = client.post("/api/drafts", json=draft_request, headers=auth).get_json()
    assert client.get(f"/api/drafts/{draft['id']}", headers=auth).status_code == 200
    assert client.get("/api/search?q=学习", headers=auth).status_code == 200
    assert client.get(f"/api/drafts/{draft['id']}/compare", headers=auth).status_code == 200
    # Another staff member's draft is not theirs to see, in the compare view either.
    assert_error(client.get(f"/api/drafts/{draft['id']}/compare", headers=h.bearer(tokens["sue"])), 404)
    assert_error(client.get("/api/documents", headers=auth), 403)
    assert_error(client.post("/api/ingest", json={"reingest": True}, headers=auth), 403)
    assert_error(client.get("/api/stats", headers=auth), 403)


def test_editor_may_compare_but_not_administer(app, tokens, h, draft_request):
    client, auth = app.test_client(), h.bearer(tokens["eve"])
    draft = client.post("/api/drafts", json=draft_request, headers=auth).get_json()
    assert client.get(f"/api/drafts/{draft['id']}/compare", headers=auth).status_code == 200
    docs = client.get("/api/documents", headers=auth).get_json()["documents"]
    assert client.get(f"/api/documents/{docs[0]['id']}", headers=auth).status_code == 200
    assert_error(client.patch(f"/api/documents/{docs[0]['id']}", json={"level": "市"}, headers=auth), 403)
    assert_error(client.delete(f"/api/documents/{docs[0]['id']}/source", headers=auth), 403)
    assert_error(client.post("/api/ingest", json={"reingest": True}, headers=auth), 403)
    assert_error(client.get("/api/families", headers=auth), 403)


def test_role_refusals_on_pages(app, login, draft_request):
    staff, editor = login("sam"), login("eve")
    draft = staff.post_json("/api/drafts", draft_request).get_json()
    for path in ("/admin/documents", "/admin/upload", "/admin/stats", f"/documents/{draft['sections'][0]['sources'][0]['doc_id']}"):
        response = staff.get(path)
        assert response.status_code == 403 and "需要" in response.text, path
    assert staff.get(f"/drafts/{draft['id']}/compare").status_code == 200  # their own draft
    assert login("sue").get(f"/drafts/{draft['id']}/compare").status_code == 404
    assert editor.get(f"/drafts/{draft['id']}/compare").status_code == 200
    assert editor.get("/admin/documents").status_code == 403


def test_staff_see_only_their_own_drafts(app, login, draft_request):
    sam, sue, eve = login("sam"), login("sue"), login("eve")
    draft = sam.post_json("/api/drafts", draft_request).get_json()
    assert_error(sue.get(f"/api/drafts/{draft['id']}"), 404)
    assert sue.get(f"/drafts/{draft['id']}").status_code == 404
    assert_error(sue.post_json(f"/api/drafts/{draft['id']}/versions", {"sections": []}), 404)
    assert draft["id"] not in [d["id"] for d in sue.get("/api/drafts").get_json()["drafts"]]
    assert draft["id"] in [d["id"] for d in eve.get("/api/drafts").get_json()["drafts"]]
    assert eve.get(f"/api/drafts/{draft['id']}").status_code == 200


# -- the users command -----------------------------------------------------------------------


def test_cli_adds_users_and_issues_tokens(tmp_path, monkeypatch, h):
    monkeypatch.setenv("PLANDRAFT_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "liu", "--role", "editor"], input="a-long-password\n")
    assert added.exit_code == 0, added.output
    assert runner.invoke(cli, ["users", "add", "liu", "--role", "staff"], input="a-long-password\n").exit_code == 1
    short = runner.invoke(cli, ["users", "add", "wang", "--role", "staff"], input="short\n")
    assert short.exit_code == 1 and "password" in short.output
    assert runner.invoke(cli, ["users", "add", "wang", "--role", "boss"], input="a-long-password\n").exit_code == 2
    issued = runner.invoke(cli, ["users", "token", "liu"])
    assert issued.exit_code == 0
    token = issued.output.strip()
    assert runner.invoke(cli, ["users", "token", "nobody"]).exit_code == 1
    assert "liu\teditor" in runner.invoke(cli, ["users", "list"]).output

    from service import close, create_app

    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True})
    client = app.test_client()
    assert client.get("/api/me", headers=h.bearer(token)).get_json() == {"name": "liu", "role": "editor"}
    page = client.get("/login")
    response = client.post("/login", data={"name": "liu", "password": "a-long-password", "csrf_token": h.csrf_of(page.text)})
    assert response.status_code == 302
    close(app)


def test_create_app_works_from_settings_alone(tmp_path, monkeypatch, h):
    """`make serve` calls service:create_app() with no arguments: settings come from the environment."""
    from service import close, create_app

    monkeypatch.setenv("PLANDRAFT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PLANDRAFT_SECRET_KEY", raising=False)
    first = create_app()
    assert first.config["DATA_DIR"] == str(tmp_path)
    assert first.config["SECRET_KEY"] and (tmp_path / "secret_key").exists()
    # Every worker reads the same key, so a session survives a change of worker.
    assert create_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]
    client = first.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    assert not (tmp_path / "plandraft.sqlite").exists()  # the engine is created on first use
    client.post("/login", data={"name": "x", "password": "y", "csrf_token": h.csrf_of(page.text)})
    assert (tmp_path / "plandraft.sqlite").exists()
    close(first)


def test_database_url_setting_is_used(tmp_path, h):
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    app = h.make_app(tmp_path / "data", DATABASE_URL=url)
    assert (tmp_path / "elsewhere.sqlite").exists()
    assert not (tmp_path / "data" / "plandraft.sqlite").exists()
    from service import close

    close(app)
