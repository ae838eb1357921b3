"""What the store tests share: sections of a plan, a source made of them, an embedder that
counts (and can fail), and views of what Chroma and the catalog hold."""
from __future__ import annotations

from ingest.indexing import index_chunks
from ingest.model import Chunk, Document, content_hash
from vectorstore.embedder import HashingEmbedder
from vectorstore.store import CorpusStore

STUDY = "一、加强学习。坚持每季度组织一次委员集中学习，邀请党校教师专题辅导，不断提高委员的政治素质和履职能力。"
CONSULT = "二、政治协商。围绕县委县政府中心工作，开好双月协商座谈会，就乡村振兴、民生实事等重点问题开展专题协商。"
SUPERVISE = "三、民主监督。组织委员开展民主评议和行风评议，加强提案督办，推动提案办理落到实处。"
SERVE = "四、服务中心。积极参与招商引资和重点项目建设，助推乡村全面振兴。"
VACCINE = "做好疫苗接种工作，合理安排接种时间，确保群众安全有序接种，不发生聚集。"


def make_source(source: str, sections: list[str], *, index: int = 0, year: int | None = 2024,
                level: str = "县区", on_topic: bool = True) -> tuple[list[Document], list[Chunk]]:
    """One document made of ``sections``, one chunk per section, ids hashed like ingest does."""
    text = "\n".join(sections)
    doc_id = content_hash(source, str(index), text)
    doc = Document(
        id=doc_id, source=source, index=index, title=f"{source} 工作计划", level=level, year=year,
        kind="计划", org_name=None, on_topic=on_topic, topic_reason="test", text=text,
        span=(0, len(text)),
    )
    chunks, start = [], 0
    for section in sections:
        chunks.append(Chunk(
            id=content_hash(doc_id, section), doc_id=doc_id, source=source, text=section,
            heading_path=[section[:2]], section_role="other", span=(start, start + len(section)),
            placeholders=["20xx"] if "20xx" in section else [], foreign_names=[],
        ))
        start += len(section) + 1
    return [doc], chunks


def replace(store, source, fingerprint, docs, chunks, *plan_units):
    """``replace_source`` with the index ingest would compute for ``chunks``."""
    return store.replace_source(source, fingerprint, docs, chunks, *plan_units, indexing=index_chunks(chunks))


class CountingEmbedder(HashingEmbedder):
    """Counts calls; fails on the ``fail_on``-th call when told to."""

    def __init__(self, fail_on: int | None = None, batch_size: int = 2):
        super().__init__(batch_size=batch_size)
        self.calls = 0
        self.texts = 0
        self.fail_on = fail_on

    def embed(self, texts):
        self.calls += 1
        if self.fail_on is not None and self.calls == self.fail_on:
            raise RuntimeError("embedder broke")
        self.texts += len(texts)
        return super().embed(texts)


def chroma_ids(store: CorpusStore) -> set[str]:
    """Ids of the chunk vectors (sentence vectors are checked by ``unit_ids``)."""
    return set(store.vectors.collection().get(where={"vector": "chunk"}, include=[])["ids"])


def unit_ids(store: CorpusStore) -> set[str]:
    return set(store.vectors.collection().get(where={"vector": "unit"}, include=[])["ids"])


def catalog_snapshot(store: CorpusStore):
    return (
        [d.to_dict() for d in store.documents()],
        [c.to_dict() for c in store.chunks()],
        store.sources(),
    )


def docs_with_family(docs):
    # Until refresh_families runs, every document is its own family.
    out = []
    for d in docs:
        d = Document(**{**d.__dict__})
        d.family_id = d.family_id or d.id
        out.append(d)
    return out
