"""The editor's save and the draft's life: sections retitled, added, removed and moved through
POST /api/drafts/<id>/versions; version notes; rename; soft delete and restore; open slots;
the sentence diff of two versions."""
from __future__ import annotations

from datetime import timedelta

import pytest

from service import answers


@pytest.fixture
def drafted(login, draft_request):
    sam = login("sam")
    return sam, sam.post_json("/api/drafts", draft_request).get_json()


def _save(client, draft, body, status=201):
    response = client.post_json(f"/api/drafts/{draft['id']}/versions", body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_sections_are_moved_retitled_added_and_removed_in_one_save(drafted):
    sam, draft = drafted
    old = draft["sections"]
    assert len(old) == 4
    body = {
        "base_version": 1,
        "order": [2, 0, None, 3],  # section 1 removed, 2 moved first, a new one before the last
        "sections": [None, {"text": old[0]["text"], "title": "总的要求"}, {"text": "（一）做好换届准备工作。", "title": "换届工作"}, None],
        "note": "按主席会议意见调整结构",
    }
    saved = _save(sam, draft, body)
    answers.Draft.model_validate(saved)
    got = saved["sections"]
    assert [s["title"] for s in old] == ["总体要求", "一、" + old[1]["title"][2:], "二、" + old[2]["title"][2:], "三、" + old[3]["title"][2:]]
    # 一、二、三、 follow the new order; the added section is numbered; 总的要求 (typed without) is not.
    assert [s["title"] for s in got] == ["一、" + old[2]["title"][2:], "总的要求", "二、换届工作", old[3]["title"]]
    assert {**got[0], "title": old[2]["title"]} == old[2] and got[3] == old[3]  # moved, untouched: as they were
    assert got[1]["sentences"] == old[0]["sentences"] and got[1]["edited"]  # retitled only: provenance kept
    assert got[2]["mode"] == "manual" and got[2]["sentences"][0]["kind"] == "new" and got[2]["sentences"][0]["text"] == "做好换届准备工作。"
    assert saved["version"]["note"] == "编辑：按主席会议意见调整结构"
    assert {w["section_index"] for w in saved["warnings"]} <= {0, 1, 2, 3}
    versions = sam.get(f"/api/drafts/{draft['id']}/versions").get_json()["versions"]
    assert [v["note"] for v in versions] == ["生成", "编辑：按主席会议意见调整结构"]


def test_positional_saves_still_work_and_a_bad_order_is_refused(drafted):
    sam, draft = drafted
    texts = [s["text"] for s in draft["sections"]]
    saved = _save(sam, draft, {"sections": [{"text": texts[0] + "\n（九）新增一条。"}, None, None, None]})
    assert saved["version"]["number"] == 2
    for order, why in (([0, 0, 1, 2], "至多出现一次"), ([0, 1, 9, 2], "至多出现一次"), ([0, 1], "个数不一致")):
        body = {"order": order, "sections": [None] * 4}
        refused = _save(sam, draft, body, status=400)
        assert refused["error"].startswith("sections:") and why in refused["error"]
    added_without_title = _save(sam, draft, {"order": [0, 1, 2, 3, None], "sections": [None, None, None, None, {"text": "一句。"}]}, status=400)
    assert "标题和正文" in added_without_title["error"]
    assert "至少保留" in _save(sam, draft, {"order": [], "sections": []}, status=400)["error"]


def test_a_stale_save_that_moves_sections_is_merged_in_its_order(drafted, login):
    sam, draft = drafted
    eve = login("eve")
    texts = [s["text"] for s in draft["sections"]]
    theirs = texts[0] + "\n（九）他们加的一条。"
    _save(eve, draft, {"base_version": 1, "sections": [{"text": theirs}, None, None, None]})
    mine = {"base_version": 1, "order": [1, 0, 2, 3], "sections": [None, {"text": texts[0], "title": "我的标题"}, None, None]}
    conflict = sam.post_json(f"/api/drafts/{draft['id']}/versions", mine)
    assert conflict.status_code == 409
    body = conflict.get_json()
    answers.Conflict.model_validate(body)
    merged = body["merged"]["sections"]
    assert [m["was"] for m in merged] == [1, 0, 2, 3]
    assert merged[1]["title"] == "我的标题" and "他们加的一条" in merged[1]["text"]
    # The proposal saves as it is, on top of the latest version.
    resolved = {"base_version": 2, "order": [m["was"] for m in merged], "merged": True,
                "sections": [{"text": m["text"], "title": m["title"]} for m in merged]}
    saved = _save(sam, draft, resolved)
    assert saved["sections"][1]["title"] == "我的标题" and saved["version"]["note"] == "合并编辑"


def test_rename_is_a_version_and_the_list_shows_org_and_slots(drafted):
    sam, draft = drafted
    renamed = sam.post_json(f"/api/drafts/{draft['id']}/rename", {"title": "杭川镇2026年计划（征求意见稿）", "base_version": 1})
    assert renamed.status_code == 200
    assert renamed.get_json()["title"] == "杭川镇2026年计划（征求意见稿）" and renamed.get_json()["version"]["note"] == "编辑：重命名"
    stale = sam.post_json(f"/api/drafts/{draft['id']}/rename", {"title": "又一个名字", "base_version": 1})
    assert stale.status_code == 409
    listed = sam.get("/api/drafts").get_json()["drafts"][0]
    answers.DraftList.model_validate({"drafts": [listed]})
    assert listed["title"] == "杭川镇2026年计划（征求意见稿）" and listed["org_name"] == "杭川镇政协工作组"
    text = draft["sections"][0]["text"] + "\n（九）于【待填：召开时间】召开全体会议，由【待填：主持人】主持，【待填：召开时间】前报送。"
    saved = _save(sam, draft, {"sections": [{"text": text}, None, None, None]})
    expected = sum(s["text"].count("【待填：") for s in saved["sections"]) + saved["title"].count("【待填：")
    assert saved["open_slots"] == expected >= 3
    assert sam.get("/api/drafts").get_json()["drafts"][0]["open_slots"] == expected
    page = sam.get("/").text
    assert f"{expected} 处待填" in page and "杭川镇政协工作组 · 乡镇 · 2026年" in page


def test_a_deleted_draft_leaves_the_lists_comes_back_and_is_purged_after_its_days(app, drafted, login):
    sam, draft = drafted
    url = f"/api/drafts/{draft['id']}"
    gone = sam.send("DELETE", url)
    assert gone.status_code == 200 and gone.get_json()["deleted"] is True and gone.get_json()["purge_after"]
    assert sam.get(url).status_code == 404
    assert all(d["id"] != draft["id"] for d in sam.get("/api/drafts").get_json()["drafts"])
    assert draft["id"] in sam.get("/drafts/deleted").text
    assert login("sue").post_json(f"{url}/undelete", {}).status_code == 404  # not hers
    back = sam.post_json(f"{url}/undelete", {})
    assert back.status_code == 200 and back.get_json()["deleted"] is False
    assert sam.get(url).get_json()["version"]["number"] == 1
    # Deleted again and left past PLANDRAFT_DELETED_DRAFT_DAYS: the next look at the list purges it.
    sam.send("DELETE", url)
    from service.db import DraftRecord, DraftVersion, session_scope, utcnow

    with app.app_context():
        with session_scope() as db:
            db.get(DraftRecord, draft["id"]).deleted_at = utcnow() - timedelta(days=app.config["DELETED_DRAFT_DAYS"] + 1)
    assert draft["id"] not in sam.get("/drafts/deleted").text
    with app.app_context():
        with session_scope() as db:
            assert db.get(DraftRecord, draft["id"]) is None
            assert db.query(DraftVersion).filter_by(draft_id=draft["id"]).count() == 0


def test_the_diff_of_two_versions_marks_sentences_per_section(drafted):
    sam, draft = drafted
    section = draft["sections"][1]
    first = section["sentences"][0]["text"]
    changed = section["text"].replace(first, first.rstrip("。") + "，每半年通报一次。", 1) + "\n（九）新加的<b>一条</b>。"
    _save(sam, draft, {"sections": [None, {"text": changed}, None, None]})
    _save(sam, draft, {"order": [0, 1, 2], "sections": [None, None, None], "base_version": 2})  # the last section removed
    diff = sam.get(f"/api/drafts/{draft['id']}/diff?a=3&b=1").get_json()
    answers.VersionDiff.model_validate(diff)
    assert (diff["a"], diff["b"]) == (1, 3)
    statuses = [s["status"] for s in diff["sections"]]
    assert statuses == ["kept", "kept", "kept", "removed"]
    rows = diff["sections"][1]["rows"]
    ops = [r["op"] for r in rows]
    assert "changed" in ops and ops[-1] == "ins"
    assert "<ins>，每半年通报一次</ins>" in next(r["html"] for r in rows if r["op"] == "changed")
    assert rows[-1]["html"] == "<ins>新加的&lt;b&gt;一条&lt;/b&gt;。</ins>"  # document text is escaped
    assert diff["sections"][0]["changes"] == 0 and all(r["op"] == "same" for r in diff["sections"][0]["rows"])
    assert all(r["op"] == "del" for r in diff["sections"][3]["rows"])
    page = sam.get(f"/drafts/{draft['id']}/diff?a=1&b=3")
    assert page.status_code == 200 and "新加的&lt;b&gt;一条&lt;/b&gt;" in page.text and "删去的部分" in page.text


def test_my_stale_edit_follows_a_section_they_moved_and_keeps_one_they_added(drafted, login):
    sam, draft = drafted
    eve = login("eve")
    texts = [s["text"] for s in draft["sections"]]
    # Eve moves the last section first, retitles section 1 and adds a section: version 2.
    _save(eve, draft, {"base_version": 1, "order": [3, 0, 1, 2, None],
                       "sections": [None, None, {"text": texts[1], "title": "她的标题"}, None, {"text": "（一）她加的部分。", "title": "她加的"}]})
    # Sam, still on version 1, edits section 1 in place (the editor's old positional save).
    mine = texts[1] + "\n（九）我加的一条。"
    conflict = sam.post_json(f"/api/drafts/{draft['id']}/versions", {"base_version": 1, "sections": [None, {"text": mine}, None, None]})
    assert conflict.status_code == 409
    merged = conflict.get_json()["merged"]["sections"]
    answers.Conflict.model_validate(conflict.get_json())
    by_was = {m["was"]: m for m in merged}
    assert "我加的一条" in by_was[2]["text"] and by_was[2]["title"] == "她的标题"  # landed on the moved section
    assert by_was[4]["text"] == "（一）她加的部分。" and by_was[4]["changed_by"] == "theirs"
    assert sorted(by_was) == [0, 1, 2, 3, 4]  # nothing of version 2 is dropped
    assert sum("我加的一条" in m["text"] for m in merged) == 1
    # Saved as proposed, on top of version 2.
    saved = _save(sam, draft, {"base_version": 2, "merged": True, "order": [m["was"] for m in merged],
                               "sections": [{"text": m["text"], "title": m["title"]} for m in merged]})
    assert saved["version"]["number"] == 3 and len(saved["sections"]) == 5
