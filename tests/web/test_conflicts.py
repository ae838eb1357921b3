"""Stale saves are refused, never silently superseded, and nothing anyone typed is lost.

Two people open version 1; the first saves version 2; the second's save (base_version 1) is
answered 409 with the latest texts, the submitted ones and a sentence-by-sentence merge, by
the API and by the editor form alike; saving the merge makes version 3 on top of version 2.
"""
from __future__ import annotations

import html
import re
import threading

import pytest

from service import answers
from test_pages import assert_no_inline_code  # sibling test module (pytest puts tests/web on the path)

# Drafts, versions, conflicts and jobs live in the service's database: these run on PostgreSQL too.
pytestmark = pytest.mark.sqlite_and_postgres


@pytest.fixture
def drafted(login, draft_request):
    sam = login("sam")
    return sam, sam.post_json("/api/drafts", draft_request).get_json()


def _edited(text: str, old: str, new: str) -> str:
    assert old in text, (old, text)
    return text.replace(old, new, 1)


def _first_sentence(section: dict) -> str:
    return section["sentences"][0]["text"]


def _mine_and_theirs(draft: dict) -> tuple[list[str], list[str]]:
    """Two people's edits of version 1's second section: one rewrites a sentence, one adds an item."""
    section = draft["sections"][1]
    first = _first_sentence(section)
    theirs = _edited(section["text"], first, first.rstrip("。") + "，每季度至少一次。")
    mine = section["text"] + "\n（九）组织委员开展“委员进社区”履职活动。"
    texts = [s["text"] for s in draft["sections"]]
    return texts[:1] + [mine] + texts[2:], texts[:1] + [theirs] + texts[2:]


def test_second_save_on_one_base_gets_409_with_both_texts_and_nothing_is_lost(login, drafted):
    sam, draft = drafted
    eve = login("eve")
    url = f"/api/drafts/{draft['id']}/versions"
    mine, theirs = _mine_and_theirs(draft)
    first = sam.post_json(url, {"base_version": 1, "sections": [{"text": t} for t in theirs]})
    assert first.status_code == 201 and first.get_json()["version"]["number"] == 2

    second = eve.post_json(url, {"base_version": 1, "sections": [{"text": t} for t in mine]})
    assert second.status_code == 409
    body = second.get_json()
    answers.Conflict.model_validate(body)  # the 409 is what the spec says it is
    assert body["ok"] is False and body["status"] == 409 and body["error"].startswith("base_version:")
    assert body["base_version"] == 1 and body["latest"]["version"]["number"] == 2
    assert [s["text"] for s in body["latest"]["sections"]] == theirs  # theirs
    assert body["submitted"]["sections"] == mine  # mine, exactly as sent
    merged = body["merged"]["sections"][1]
    assert merged["changed_by"] == "both" and not merged["conflicts"]
    assert "每季度至少一次" in merged["text"] and "委员进社区" in merged["text"]
    # Nothing was stored from the refused save.
    versions = sam.get(f"{url}").get_json()["versions"]
    assert [v["number"] for v in versions] == [1, 2]

    # Saving the merge on top of version 2 keeps both people's work.
    texts = [s["text"] for s in body["merged"]["sections"]]
    resolved = eve.post_json(url, {"base_version": 2, "merged": True, "sections": [{"text": t} for t in texts]})
    assert resolved.status_code == 201
    v3 = resolved.get_json()
    assert v3["version"]["number"] == 3 and v3["version"]["note"] == "合并编辑" and v3["version"]["author"] == "eve"
    assert "每季度至少一次" in v3["sections"][1]["text"] and "委员进社区" in v3["sections"][1]["text"]


def test_concurrent_saves_on_one_base_keep_one_and_refuse_the_rest_with_their_texts(app, drafted):
    from service import history
    from service.db import DraftRecord, User, session_scope

    _, draft = drafted
    outcomes: dict[int, object] = {}
    start = threading.Barrier(4)

    def save(i):
        texts = [f"（一）第{i}次修改，各不相同。", None, None, None]
        with app.app_context(), session_scope() as db:
            record = db.get(DraftRecord, draft["id"])
            start.wait()
            try:
                outcomes[i] = history.edit(db, record, db.get(User, record.owner_id), title=None, texts=texts, base=1).number
            except history.Conflict as exc:
                outcomes[i] = exc

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [i for i, o in outcomes.items() if o == 2]
    refused = {i: o for i, o in outcomes.items() if isinstance(o, history.Conflict)}
    assert len(saved) == 1 and len(refused) == 3, outcomes
    for i, conflict in refused.items():
        assert conflict.status == 409 and conflict.latest.number == 2
        assert conflict.submitted["sections"][0] == f"（一）第{i}次修改，各不相同。"  # each keeps its own text
        assert f"第{i}次修改" in conflict.merged["sections"][0]["text"]
    with app.app_context(), session_scope() as db:
        record = db.get(DraftRecord, draft["id"])
        assert [v.number for v in history.versions(db, record)] == [1, 2]
        assert history.latest(db, record).content["sections"][0]["text"] == f"（一）第{saved[0]}次修改，各不相同。"


def test_a_stale_save_that_changes_nothing_is_not_a_conflict(drafted):
    sam, draft = drafted
    url = f"/api/drafts/{draft['id']}/versions"
    assert sam.post_json(url, {"base_version": 1, "sections": [{"text": "（一）重写。"}, None, None, None]}).status_code == 201
    same = sam.post_json(url, {"base_version": 1, "sections": [{"text": s["text"]} for s in draft["sections"]]})
    assert same.status_code == 200 and same.get_json()["version"]["number"] == 2


def test_a_restore_from_a_stale_page_gets_409(login, drafted):
    sam, draft = drafted
    url = f"/api/drafts/{draft['id']}"
    sam.post_json(f"{url}/versions", {"base_version": 1, "sections": [{"text": "（一）第二版。"}, None, None, None]})
    sam.post_json(f"{url}/versions", {"base_version": 2, "sections": [{"text": "（一）第三版。"}, None, None, None]})
    stale = sam.post_json(f"{url}/versions/1/restore", {"base_version": 2})
    assert stale.status_code == 409
    body = stale.get_json()
    answers.Conflict.model_validate(body)
    assert body["latest"]["version"]["number"] == 3 and body["latest"]["sections"][0]["text"] == "（一）第三版。"
    assert body["submitted"]["sections"] == [s["text"] for s in draft["sections"]] and body["merged"] is None
    assert len(sam.get(f"{url}/versions").get_json()["versions"]) == 3
    fresh = sam.post_json(f"{url}/versions/1/restore", {"base_version": 3})
    assert fresh.status_code == 201 and fresh.get_json()["version"]["number"] == 4
    assert sam.client.post(f"{url}/versions/2/restore", headers={"X-CSRFToken": sam.csrf}).status_code == 201  # no body: as before


def _textarea(page: str, element_id: str) -> str:
    m = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert m, element_id
    return html.unescape(m.group(1))


def _form_texts(draft: dict, texts: list[str], base: int) -> dict:
    return {"base_version": str(base), "title": draft["title"], **{f"section-{i}": t for i, t in enumerate(texts)}}


def test_the_editor_form_shows_mine_theirs_and_the_merge_and_saves_it(login, drafted):
    sam, draft = drafted
    eve = login("eve")
    page_url = f"/drafts/{draft['id']}"
    assert 'name="base_version" value="1"' in sam.get(page_url).text and 'name="base_version" value="1"' in eve.get(page_url).text
    mine, theirs = _mine_and_theirs(draft)
    assert sam.form(page_url, _form_texts(draft, theirs, 1)).status_code == 302

    refused = eve.form(page_url, _form_texts(draft, mine, 1))
    assert refused.status_code == 409
    page = refused.text
    assert_no_inline_code(page)
    assert "未保存" in page and "第2版" in page and "保存合并结果" in page
    assert _textarea(page, "mine-1") == mine[1]  # what eve typed, exactly
    assert _textarea(page, "theirs-1") == theirs[1]
    merged = _textarea(page, "section-1")
    assert "委员进社区" in merged and "每季度至少一次" in merged
    assert 'name="base_version" value="2"' in page and 'name="merged" value="1"' in page
    # Sections only one side touched are not split into panes.
    assert 'id="mine-0"' not in page and _textarea(page, "section-0") == draft["sections"][0]["text"]

    texts = [_textarea(page, f"section-{i}") for i in range(len(draft["sections"]))]
    saved = eve.form(page_url, {**_form_texts(draft, texts, 2), "merged": "1"})
    assert saved.status_code == 302
    latest = eve.get(f"/api/drafts/{draft['id']}").get_json()
    assert latest["version"]["number"] == 3 and latest["version"]["note"] == "合并编辑"
    assert latest["sections"][1]["text"] == merged


def test_a_refused_form_keeps_what_was_typed(drafted):
    sam, draft = drafted
    typed = draft["sections"][2]["text"] + "\n（九）新写的一条，不能丢。"
    texts = [s["text"] for s in draft["sections"]]
    texts[2] = typed
    response = sam.form(f"/drafts/{draft['id']}", {**_form_texts(draft, texts, 1), "title": "  "})
    assert response.status_code == 400
    assert "标题：不能为空" in response.text and _textarea(response.text, "section-2") == typed
    assert len(sam.get(f"/api/drafts/{draft['id']}/versions").get_json()["versions"]) == 1


def test_a_restore_form_from_a_stale_page_is_refused(drafted):
    sam, draft = drafted
    url = f"/drafts/{draft['id']}"
    sam.post_json(f"/api/drafts/{draft['id']}/versions", {"sections": [{"text": "（一）第二版。"}, None, None, None]})
    version_page = sam.get(f"{url}/versions/1").text
    assert 'name="base_version" value="2"' in version_page
    sam.post_json(f"/api/drafts/{draft['id']}/versions", {"sections": [{"text": "（一）第三版。"}, None, None, None]})
    refused = sam.form(f"{url}/versions/1/restore", {"base_version": "2"})
    assert refused.status_code == 409 and "未恢复" in refused.text and 'name="base_version" value="3"' in refused.text
    assert len(sam.get(f"/api/drafts/{draft['id']}/versions").get_json()["versions"]) == 3
    assert sam.form(f"{url}/versions/1/restore", {"base_version": "3"}).status_code == 302
