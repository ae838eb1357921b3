"""Provenance follows edits: an edit to one sentence (or a line added) leaves every other
sentence of the section with its sources, kind, label and ``edited`` flag (service.revise.align)."""
from __future__ import annotations

import pytest

from service.revise import split_sentences

KEPT = ("text", "kind", "sources", "source_text", "label", "edited")


def _kept(sentence: dict) -> dict:
    return {k: sentence.get(k) for k in KEPT}


@pytest.fixture
def drafted(login, draft_request):
    sam = login("sam")
    # A longer plan: sections of several items, so there is something to leave untouched.
    draft = sam.post_json("/api/drafts", {**draft_request, "target_chars": 5000}).get_json()
    return sam, draft


def _save(sam, draft, index, text, base):
    sections = [None] * len(draft["sections"])
    sections[index] = {"text": text}
    response = sam.post_json(f"/api/drafts/{draft['id']}/versions", {"base_version": base, "sections": sections})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _busiest(draft) -> int:
    return max(range(len(draft["sections"])), key=lambda i: len(draft["sections"][i]["sentences"]))


def test_a_line_added_to_a_section_leaves_its_other_sentences_as_they_were(drafted):
    sam, draft = drafted
    i = _busiest(draft)
    section = draft["sections"][i]
    assert len(section["sentences"]) >= 3
    added = "（九）组织委员围绕杭川镇乡村振兴开展专题调研，形成高质量调研报告。"
    saved = _save(sam, draft, i, section["text"] + "\n" + added, 1)
    after = saved["sections"][i]["sentences"]
    assert [_kept(s) for s in after[:-1]] == [_kept(s) for s in section["sentences"]]
    assert after[-1]["text"] == added.removeprefix("（九）") and after[-1]["kind"] == "new" and after[-1]["edited"]


def test_editing_one_sentence_and_adding_another_keeps_every_other_sentence(drafted):
    sam, draft = drafted
    i = _busiest(draft)
    section = draft["sections"][i]
    old = section["sentences"]
    target = 1
    changed = old[target]["text"].rstrip("。") + "，每半年通报一次。"
    text = section["text"].replace(old[target]["text"], changed, 1)
    text += "\n（九）每季度向委员通报一次工作进展。"
    saved = _save(sam, draft, i, text, 1)
    after = saved["sections"][i]["sentences"]
    assert len(after) == len(old) + 1
    for n, sentence in enumerate(old):
        if n != target:
            assert _kept(after[n]) == _kept(sentence), n
    assert after[target]["text"] == changed and after[target]["edited"]
    assert after[target]["sources"] == old[target]["sources"]  # still tied to its source
    # A second edit elsewhere leaves the first edit's result alone too.
    text2 = text.replace(old[0]["text"], old[0]["text"].rstrip("。") + "，确保落到实处。", 1)
    again = _save(sam, saved, i, text2, 2)["sections"][i]["sentences"]
    assert [_kept(s) for s in again[1:]] == [_kept(s) for s in after[1:]]


def test_moving_a_sentence_keeps_its_provenance(drafted):
    sam, draft = drafted
    i = _busiest(draft)
    section = draft["sections"][i]
    lines = section["text"].split("\n")
    assert len(lines) >= 2
    moved = "\n".join(lines[1:] + lines[:1])
    after = _save(sam, draft, i, moved, 1)["sections"][i]["sentences"]
    by_text = {s["text"]: _kept(s) for s in section["sentences"]}
    assert sorted(after, key=lambda s: s["text"]) and all(_kept(s) == by_text[s["text"]] for s in after)


def test_the_stored_sentences_cut_as_the_text_is_cut(drafted):
    """What revise_section relies on: a stored sentence may hold a composed item's title and body,
    but cut into sentences the stored sentences are the sentences of the section's text."""
    _, draft = drafted
    for section in draft["sections"]:
        pieces = [p for s in section["sentences"] for p in split_sentences(s["text"])]
        assert pieces == split_sentences(section["text"]), section["role"]
