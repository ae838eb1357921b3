"""The first run: with no account, the site offers a one-time setup page that makes the admin —
from this machine, or elsewhere with the setup token `plandraft serve` prints — and then is gone."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

PASSWORD = "first-admin-password"
REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def fresh(tmp_path):
    """An app over an empty data directory: no account, no corpus."""
    from service import close, create_app
    from vectorstore.embedder import HashingEmbedder

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "first-run", "EMBEDDER": HashingEmbedder()})
    yield app
    close(app)


def users_of(app) -> list[tuple[str, str]]:
    from service.db import User, session_scope

    with app.app_context(), session_scope() as db:
        return [(u.name, u.role) for u in db.scalars(select(User).order_by(User.id))]


def setup_post(client, h, name="chief", password=PASSWORD, confirm=None, token=None, **kw):
    page = client.get("/setup" + (f"?token={token}" if token else ""), **kw)
    assert page.status_code == 200, page.text
    data = {"name": name, "password": password, "confirm": password if confirm is None else confirm, "csrf_token": h.csrf_of(page.text)}
    if token:
        data["token"] = token
    return client.post("/setup", data=data, **kw)


def test_the_first_visit_leads_to_setup_and_makes_one_admin_then_setup_is_gone(fresh, h):
    client = fresh.test_client()
    first = client.get("/")
    assert first.status_code == 302 and first.headers["Location"] == "/setup"
    page = client.get("/setup")
    assert "创建管理员账号" in page.text and 'name="confirm"' in page.text
    made = setup_post(client, h)
    assert made.status_code == 302 and made.headers["Location"] == "/login"
    assert users_of(fresh) == [("chief", "admin")]
    assert "管理员账号 chief 已创建" in client.get("/login").text
    # Never again: GET and POST alike, and anonymous pages lead to the login again.
    gone = client.get("/setup")
    assert gone.status_code == 404 and "找不到页面" in gone.text
    again = client.post("/setup", data={"name": "second", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": h.csrf_of(gone.text)})
    assert again.status_code == 404
    assert client.get("/").headers["Location"].startswith("/login")
    assert users_of(fresh) == [("chief", "admin")]
    login = client.post("/login", data={"name": "chief", "password": PASSWORD, "csrf_token": h.csrf_of(client.get("/login").text)})
    assert login.status_code == 302
    assert client.get("/api/me").get_json() == {"name": "chief", "role": "admin"}


def test_setup_is_404_when_an_account_was_made_another_way(app):
    """The tests' app has its users (as `plandraft users add` makes them): no setup page at all."""
    client = app.test_client()
    assert client.get("/setup").status_code == 404
    assert client.get("/").headers["Location"].startswith("/login")


def test_setup_needs_the_csrf_token(fresh):
    client = fresh.test_client()
    client.get("/setup")
    refused = client.post("/setup", data={"name": "chief", "password": PASSWORD, "confirm": PASSWORD})
    assert refused.status_code == 400 and "CSRF" in refused.text
    forged = client.post("/setup", data={"name": "chief", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert users_of(fresh) == []


@pytest.mark.parametrize(
    "name,password,confirm,said",
    [
        ("chief", "short", "short", "密码至少 8 个字符"),
        ("chief", PASSWORD, PASSWORD + "x", "两次输入的密码不一致"),
        ("has space", PASSWORD, PASSWORD, "用户名须为 1–64 个字母"),
        ("", PASSWORD, PASSWORD, "请输入用户名"),
        ("chief", "", "", "请输入密码"),
    ],
)
def test_setup_keeps_the_password_and_name_rules(fresh, h, name, password, confirm, said):
    response = setup_post(fresh.test_client(), h, name=name, password=password, confirm=confirm)
    assert response.status_code == 400
    assert said in response.text
    assert "(at least" not in response.text and "(1–64" not in response.text  # the Chinese alone
    assert users_of(fresh) == []


def test_from_another_machine_setup_needs_the_token(fresh, h):
    from service.accounts import setup_token

    client = fresh.test_client()
    refused = client.get("/setup", environ_base=REMOTE)
    assert refused.status_code == 403 and "这台机器上" in refused.text
    # No token exists until `plandraft serve` makes one: guessing one gets nowhere either.
    assert client.get("/setup?token=guess", environ_base=REMOTE).status_code == 403
    token = setup_token(fresh.config["DATA_DIR"])
    assert client.get("/setup?token=wrong-" + token, environ_base=REMOTE).status_code == 403
    page = client.get(f"/setup?token={token}", environ_base=REMOTE)
    assert page.status_code == 200 and f'value="{token}"' in page.text
    # The POST is checked again: without the token, a remote post is refused.
    tokenless = client.post("/setup", data={"name": "chief", "password": PASSWORD, "confirm": PASSWORD,
                                            "csrf_token": h.csrf_of(page.text)}, environ_base=REMOTE)
    assert tokenless.status_code == 403 and users_of(fresh) == []
    made = setup_post(client, h, token=token, environ_base=REMOTE)
    assert made.status_code == 302 and users_of(fresh) == [("chief", "admin")]
    from pathlib import Path

    assert not (Path(fresh.config["DATA_DIR"]) / "setup_token").exists()  # used up


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded", "X-Real-IP"])
def test_a_request_relayed_by_a_local_proxy_is_not_from_this_machine(fresh, header):
    response = fresh.test_client().get("/setup", headers={header: "198.51.100.4"})
    assert response.status_code == 403


def test_ipv6_loopback_is_this_machine(fresh):
    assert fresh.test_client().get("/setup", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert fresh.test_client().get("/setup", environ_base={"REMOTE_ADDR": "::ffff:127.0.0.1"}).status_code == 200


def test_two_racing_setups_make_one_admin(fresh, h, monkeypatch):
    """Both posts are held after their "no account yet" check until both have made it, then go on
    together: exactly one admin comes of them, and the other post is answered 404."""
    import service.accounts as accounts
    from werkzeug.security import generate_password_hash

    clients = [fresh.test_client() for _ in range(2)]
    tokens = [h.csrf_of(c.get("/setup").text) for c in clients]
    both_checked = threading.Barrier(2, timeout=20)

    def held_hash(password):
        both_checked.wait()  # create_user hashes after the check: both have passed it
        return generate_password_hash(password, method="pbkdf2:sha256:1000")

    monkeypatch.setattr(accounts, "generate_password_hash", held_hash)
    answers: dict[str, int] = {}

    def post(i):
        name = f"chief{i}"
        response = clients[i].post("/setup", data={"name": name, "password": PASSWORD, "confirm": PASSWORD, "csrf_token": tokens[i]})
        answers[name] = response.status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(answers.values()) == [302, 404], answers
    winner = next(name for name, status in answers.items() if status == 302)
    assert users_of(fresh) == [(winner, "admin")]


def test_serve_prints_where_to_make_the_admin_and_the_token_only_while_no_account_exists(tmp_path, monkeypatch):
    from plandraft import cli
    from plandraft import settings as settings_mod

    values = settings_mod.load({"DATA_DIR": str(tmp_path)}, environ={})
    lines = cli._first_run_lines(values, "http://127.0.0.1:5000/")
    token = (tmp_path / "setup_token").read_text().strip()
    assert lines[0] == "还没有任何账号：打开 http://127.0.0.1:5000/ 创建管理员账号"
    assert any(f"http://127.0.0.1:5000/setup?token={token}" in line for line in lines)
    assert (tmp_path / "setup_token").stat().st_mode & 0o077 == 0  # its owner's alone
    # A second start prints the same token (every worker and every start check the one file).
    assert cli._first_run_lines(values, "http://127.0.0.1:5000/") == lines
    monkeypatch.setenv("PLANDRAFT_DATA_DIR", str(tmp_path))
    added = CliRunner().invoke(cli.main, ["users", "add", "liu", "--role", "admin"], input="a-long-password\n")
    assert added.exit_code == 0, added.output
    assert cli._first_run_lines(values, "http://127.0.0.1:5000/") == []
    assert not (tmp_path / "setup_token").exists()


def test_serve_command_prints_the_first_run_lines(tmp_path, monkeypatch):
    """The real `plandraft serve` (waitress stubbed out) prints them at start."""
    import waitress

    from plandraft import cli

    served = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.append(kw))
    monkeypatch.setenv("PLANDRAFT_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.main, ["serve", "--port", "5077"])
    assert result.exit_code == 0, result.output
    assert served == [{"host": "127.0.0.1", "port": 5077, "threads": 8}]
    assert "打开 http://127.0.0.1:5077/ 创建管理员账号" in result.output
    assert (tmp_path / "setup_token").read_text().strip() in result.output


def test_first_admin_function_refuses_when_an_account_exists(fresh):
    from service.accounts import create_first_admin, create_user
    from service.db import FirstRun, session_scope

    with fresh.app_context(), session_scope() as db:
        create_user(db, "liu", "staff", PASSWORD)
    with fresh.app_context(), session_scope() as db:
        assert create_first_admin(db, "chief", PASSWORD) is None
        assert db.scalar(select(func.count()).select_from(FirstRun)) == 0
    assert users_of(fresh) == [("liu", "staff")]
