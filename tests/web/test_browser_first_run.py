"""The first run in a real browser: a fresh data directory → the setup page → the admin made →
the setup page gone (404) → logging in works.  Debian's chromium through Playwright, against the
app served on loopback over an empty data directory (no account, no corpus)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "first-admin-password"

if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture
def fresh_server(tmp_path):
    """The app on 127.0.0.1:<free port> over a data directory nothing has touched."""
    import socket
    import threading
    from types import SimpleNamespace

    from werkzeug.serving import make_server

    from service import close, create_app
    from vectorstore.embedder import HashingEmbedder

    data_dir = tmp_path / "fresh-data"
    assert not data_dir.exists()
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "SECRET_KEY": "first-run-browser", "EMBEDDER": HashingEmbedder()})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="first-run-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app)
    server.shutdown()
    thread.join(10)
    close(app)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_first_run_makes_the_admin_once_and_then_login_works(browser, fresh_server):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", base_url=fresh_server.url)
    page = context.new_page()
    errors: list[str] = []
    # The refused form (400) and the used-up setup page (404) are asked for on purpose; chromium
    # logs every 4xx document.
    expected = tuple(f"Failed to load resource: the server responded with a status of {code}" for code in (400, 404))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith(expected) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/setup$"))
    expect(page.locator("h1")).to_have_text("创建管理员账号")
    shot(page, "first-run-01-setup")

    # A mistyped confirmation is refused in Chinese, and nothing is made.
    page.fill("#name", "chief")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD + "x")
    page.click("button:has-text('创建管理员')")
    expect(page.locator(".field-error")).to_have_text("两次输入的密码不一致")
    shot(page, "first-run-02-mismatch")

    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button:has-text('创建管理员')")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".flash-success")).to_have_text("管理员账号 chief 已创建，请登录")
    shot(page, "first-run-03-created")

    gone = page.goto("/setup")
    assert gone.status == 404
    expect(page.locator("body")).to_contain_text("找不到页面")
    shot(page, "first-run-04-setup-gone")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.fill("#name", "chief")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('登录')")
    expect(page.locator(".username")).to_have_text("chief")
    expect(page.locator(".role-badge")).to_have_text("管理员")
    # The admin's own area is open to them: the next step of a newcomer is the upload.
    page.goto("/admin/upload")
    expect(page).to_have_url(re.compile(r"/admin/upload$"))
    shot(page, "first-run-05-logged-in")
    context.close()
    assert not errors, errors
