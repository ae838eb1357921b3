"""What a person sees: messages in Chinese naming the form's field, Chinese error pages, an upload
that keeps its good files, the two admin removals, one time zone, the warm start, the search page."""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ingest.loaders import SUPPORTED_SUFFIXES
from service import jobs

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PLAN = "香山街道政协工委2024年工作计划\n一、加强理论学习\n组织委员开展集中学习，提高履职能力。\n二、开展民主监督\n围绕民生实事开展民主评议。\n".encode()


def _han_only(html: str) -> str:
    """The page's main text (between <main> and </main>), without its tags."""
    main = html.split('<main class="page">', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


# -- forms --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, shown, field",
    [
        ({"org_name": ""}, "单位名称：必填（例如 香山街道政协工委）", "org_name"),
        ({"year": "1999"}, "年份：须在2000至2100之间", "year"),
        ({"year": "明年"}, "年份：须为数字（例如 2026）", "year"),
    ],
)
def test_the_request_form_names_the_field_in_its_own_words(login, change, shown, field):
    staff = login("sam")
    form = {"level": "乡镇", "year": "2026", "org_name": "杭川镇政协工作组", **change}
    page = staff.form("/drafts/new", form)
    assert page.status_code == 400
    text = _han_only(page.text)
    assert shown in text
    # Neither the field's code name nor pydantic's English reaches the person.
    assert field not in text and "required" not in text and "must be" not in text
    assert re.search(rf'id="{field}"[^>]*class="invalid"', page.text)


def test_the_form_script_clears_a_mark_when_its_field_changes(app):
    # The browser test shows it happening; this pins the wiring the page relies on.
    script = app.test_client().get("/static/draft-new.js").text
    assert 'form.addEventListener("input", clearMark)' in script and 'classList.remove("invalid")' in script


# -- error pages --------------------------------------------------------------------------


def test_error_pages_are_chinese_and_the_api_keeps_its_shape(app, login):
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)  # before the first request: a 500 to look at
    staff, admin = login("sam"), login("ada")
    cases = [
        (staff.get("/no-such-page"), 404, "找不到页面"),
        (staff.get("/drafts/no-such-draft"), 404, "没有这份草稿"),
        (staff.get("/admin/documents"), 403, "此页面需要管理员权限，您当前的身份是工作人员"),
        (staff.get("/search?q=协商"), 403, "此页面需要审核人员权限"),
        (admin.get("/admin/reingest"), 405, "不支持此操作"),
        (admin.get("/boom"), 500, "服务器出错"),
        (staff.client.post("/drafts/new", data={"level": "乡镇"}), 400, "缺少安全令牌"),
    ]
    for response, status, words in cases:
        assert response.status_code == status
        text = _han_only(response.text)
        assert words in text, (status, text)
        assert f"错误代码 {status}" in text
        # No English sentence and no code name: werkzeug's "Not Found", "(role 'admin' required)".
        assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", text), (status, text)
        assert "role '" not in text
    api = staff.get("/api/no-such-thing")
    assert api.status_code == 404 and set(api.get_json()) == {"ok", "error", "status"}
    assert api.get_json()["error"].startswith("没有这个页面")


def test_a_too_large_request_gets_the_chinese_413_page(app, login):
    admin = login("ada")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = admin.client.post("/admin/upload", data={"csrf_token": admin.csrf, "files": [(io.BytesIO(b"x" * 4096), "a.txt")]},
                                 content_type="multipart/form-data")
    assert response.status_code == 413 and "文件太大" in _han_only(response.text)


# -- uploads ------------------------------------------------------------------------------


def test_an_upload_with_bad_files_keeps_the_good_ones_and_lists_the_bad_with_reasons(app, login):
    admin = login("ada")
    files = [(io.BytesIO(PLAN), "好的计划.txt"), (io.BytesIO(b""), "空文件.txt"), (io.BytesIO(PNG), "截图.txt"), (io.BytesIO(b"MZ"), "程序.exe")]
    response = admin.client.post("/admin/upload", data={"csrf_token": admin.csrf, "files": files}, content_type="multipart/form-data")
    assert response.status_code == 302 and "/admin/upload?job=" in response.headers["Location"]
    job_id = response.headers["Location"].rsplit("job=", 1)[1]
    jobs.wait(app, job_id, 60)
    job = admin.get(f"/api/ingest/jobs/{job_id}").get_json()["job"]
    assert job["status"] == "done" and job["total"] == 2  # the empty file and the .exe were never kept
    assert {d["source_name"] for d in job["report"]["documents"]} == {"好的计划.txt"}
    assert {r["source_name"]: r["error"] for r in job["report"]["refused"]} == {
        "空文件.txt": "文件为空", "程序.exe": f"不支持的文件类型，请上传 {' '.join(SUPPORTED_SUFFIXES)} 文件"}
    [unreadable] = job["report"]["errors"]
    assert unreadable["source_name"] == "截图.txt" and unreadable["reason"] == "不是文本文件（实为PNG 图片）"
    assert unreadable["error"] == "not a text file (it is a PNG image)"  # the English stays in the JSON
    page = admin.get(response.headers["Location"]).text
    assert "上传往年计划" in page and f'data-url="/api/ingest/jobs/{job_id}"' in page  # the same page, with the job
    assert 'accept="' + ",".join(SUPPORTED_SUFFIXES) + '"' in page  # the picker offers every format a loader reads
    assert "好的计划.txt" in admin.get("/admin/documents").text


def test_an_upload_of_only_bad_files_lists_them_on_the_upload_page(login):
    admin = login("ada")
    files = [(io.BytesIO(b""), "空文件.txt"), (io.BytesIO(b"MZ"), "程序.exe")]
    page = admin.client.post("/admin/upload", data={"csrf_token": admin.csrf, "files": files}, content_type="multipart/form-data")
    assert page.status_code == 400
    text = _han_only(page.text)
    assert "上传往年计划" in text and "所选文件都未能上传" in text
    assert "空文件.txt ：文件为空" in re.sub(r"\s+", " ", text)


# -- admin removals -----------------------------------------------------------------------


def _row(html: str, doc_id: str) -> str:
    return re.search(rf'<tr[^>]*data-doc-id="{doc_id}".*?</tr>', html, re.S).group(0)


def test_admin_removes_one_document_or_its_whole_file_each_saying_how_many(app, login):
    from service import get_store

    admin = login("ada")
    with app.app_context():
        docs = get_store().documents()
    source = max({d.source for d in docs}, key=lambda s: sum(d.source == s for d in docs))
    of_file = [d for d in docs if d.source == source]
    n, name, first, second = len(of_file), Path(source).name, of_file[0], of_file[1]
    row = _row(admin.get("/admin/documents").text, first.id)
    assert f"只移除这 1 篇文档“{first.title}”？文件“{name}”中的其他 {n - 1} 篇保留。" in row
    assert f"移除整个文件“{name}”及其中全部 {n} 篇文档？" in row and f"移除整个文件（{n} 篇）" in row
    assert first.id not in re.sub(r'(data-doc-id|href|title|action)="[^"]*"', "", row)  # ids only in links and tooltips

    assert admin.form(f"/admin/documents/{first.id}/remove", {}).status_code == 302
    listing = admin.get("/admin/documents").text
    assert f"已移除文档“{first.title}”（来自文件“{name}”）" in listing
    assert f'data-doc-id="{first.id}"' not in listing and f'data-doc-id="{second.id}"' in listing
    assert f"移除整个文件（{n - 1} 篇）" in _row(listing, second.id)

    assert admin.form(f"/admin/documents/{second.id}/remove-file", {}).status_code == 302
    listing = admin.get("/admin/documents").text
    assert f"已移除来源文件“{name}”的全部 {n - 1} 篇文档" in listing
    assert not any(f'data-doc-id="{d.id}"' in listing for d in of_file)
    with app.app_context():
        assert {d.source for d in get_store().documents()} == {d.source for d in docs} - {source}


# -- one time zone ------------------------------------------------------------------------


def test_statistics_show_times_in_the_configured_zone(app, login, h, tmp_path):
    from service import close, get_store

    with app.app_context():
        stored = get_store().sources()[0]["ingested_at"]
    beijing = (datetime.fromisoformat(stored) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    page = login("ada").get("/admin/stats").text
    assert f'<td class="nowrap ingested-at">{beijing}</td>' in page and "入库时间（北京时间）" in page and "UTC" not in page

    berlin = h.make_app(Path(app.config["DATA_DIR"]), TIMEZONE="Europe/Berlin")
    try:
        client = berlin.test_client()
        form = client.get("/login").text
        client.post("/login", data={"name": "ada", "password": h.PASSWORD, "csrf_token": h.csrf_of(form)})
        page = client.get("/admin/stats").text
    finally:
        close(berlin)
    shown = re.search(r'<td class="nowrap ingested-at">([^<]+)</td>', page).group(1)
    assert shown != beijing and "入库时间（Europe/Berlin）" in page


def test_an_unknown_time_zone_is_refused_naming_the_variable(tmp_path):
    from plandraft.settings import SettingError
    from service import create_app

    with pytest.raises(SettingError, match="PLANDRAFT_TIMEZONE='Mars/Olympus'"):
        create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "SECRET_KEY": "x", "TIMEZONE": "Mars/Olympus"})


# -- warm start ---------------------------------------------------------------------------


class RecordingEmbedder:
    """The hashing embedder, counting queries; a test can hold the first one back."""

    def __init__(self):
        from vectorstore.embedder import HashingEmbedder

        self.inner = HashingEmbedder()
        self.queries = 0
        self.release = threading.Event()
        self.release.set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_query(self, text):
        self.release.wait(60)
        self.queries += 1
        return self.inner.embed_query(text)


def test_warm_start_loads_store_embedder_and_indexes_before_health_says_warm(corpus_dir, tmp_path, h, monkeypatch):
    import shutil

    import service.resources as resources
    from service import close

    opened = []
    real_open = resources.open_store
    monkeypatch.setattr(resources, "open_store", lambda *a, **kw: opened.append(1) or real_open(*a, **kw))
    data = tmp_path / "data"
    shutil.copytree(corpus_dir, data)
    embedder = RecordingEmbedder()
    embedder.release.clear()  # the warm-up waits inside its dummy encode until the test lets it go
    app = h.make_app(data, EMBEDDER=embedder, WARM_START=True)
    try:
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['sam']}"
        assert client.get("/api/health").get_json() == {"ok": True, "warm": False}
        # A search arriving mid warm-up uses the store and drafter being warmed, and waits for
        # the embedder the warm-up is loading: nothing is opened twice.
        answers = []
        searching = threading.Thread(target=lambda: answers.append(client.get("/api/search?q=民主评议")))
        searching.start()
        embedder.release.set()
        app.extensions["plandraft.warm_thread"].join(60)
        searching.join(60)
        assert answers[0].status_code == 200 and answers[0].get_json()["results"]
        assert opened == [1] and embedder.queries == 2
        assert client.get("/api/health").get_json() == {"ok": True, "warm": True}
        # Loaded before any request asked: the store, the embedder (one query), the lexical index.
        drafter = app.extensions["plandraft.drafter"]
        assert app.extensions["plandraft.store"] is drafter.searcher.store
        assert drafter.searcher._snapshot is not None
    finally:
        close(app)


def test_a_test_app_does_not_warm_unless_asked(app):
    assert "plandraft.warm_thread" not in app.extensions and "plandraft.store" not in app.extensions


# -- search -------------------------------------------------------------------------------


def test_the_search_page_finds_passages_marks_the_words_and_links_the_document(login):
    editor = login("eve")
    assert 'id="header-q"' in editor.get("/").text and 'id="header-q"' not in login("sam").get("/").text
    page = editor.get("/search?q=民主评议")
    assert page.status_code == 200
    hits = re.findall(r'<li class="card search-hit">.*?</li>', page.text, re.S)
    assert hits and "<mark>民主评议</mark>" in page.text
    assert all(re.search(r'href="/documents/[^"?]+\?chunk=[^"]+"', hit) for hit in hits)
    township = editor.get("/search?q=民主评议&level=乡镇").text
    levels = re.findall(r'<p class="muted small">([^·<]+) ·', township)
    assert levels and set(map(str.strip, levels)) == {"乡镇"}
    bad = editor.get("/search?q=民主评议&year=去年")
    assert bad.status_code == 400 and "年份：须为数字（例如 2023）" in bad.text


def test_search_marks_are_put_around_escaped_text():
    from service.search import mark_words

    marked = str(mark_words("<script>alert(1)</script>开展民主评议活动", "民主评议 <script>"))
    assert "<script>" not in marked and "&lt;" in marked
    assert "<mark>民主评议</mark>" in marked
    # A word that does not occur whole is marked by its pieces.
    assert str(mark_words("组织委员视察", "委员调研")) == "组织<mark>委员</mark>视察"


@pytest.mark.slow
def test_warm_start_loads_the_real_embedder_before_the_first_request(sample_store_dir, tmp_path, h):
    import shutil
    import sqlite3

    from plandraft import settings as settings_mod
    from plandraft.resources import make_embedder
    from service import close

    with sqlite3.connect(sample_store_dir / "catalog.sqlite") as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(sample_store_dir, tmp_path / "data", ignore=shutil.ignore_patterns("ingest.lock"))
    embedder = make_embedder(settings_mod.load(environ={}))
    assert not embedder.inner.loaded
    app = h.make_app(tmp_path / "data", EMBEDDER=embedder, WARM_START=True)
    try:
        app.extensions["plandraft.warm_thread"].join(300)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {app.config['TEST_TOKENS']['sam']}"
        assert client.get("/api/health").get_json() == {"ok": True, "warm": True}
        assert embedder.inner.loaded  # the model itself (or its runtime session), loaded with no request made
        assert app.extensions["plandraft.drafter"].searcher._snapshot is not None
    finally:
        close(app)
