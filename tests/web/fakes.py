"""The fast web tests' stand-ins: a drafter that searches canned passages (ingest's own units of
them, no embedder), and the real drafter held back a moment per section for the browser tests."""
from __future__ import annotations

# Passages as past plans word them: other bodies' names, years, numbers, item numbering.
CANNED_PASSAGES = (
    ("指导思想", "以习近平新时代中国特色社会主义思想为指导，围绕镇党委中心工作，坚持团结和民主两大主题，认真履行政治协商、民主监督、参政议政职能。"),
    ("学习", "（一）加强理论学习。每季度组织一次委员集中学习，邀请县政协领导专题授课。\n（二）开展履职培训。围绕乡村振兴举办2期委员履职培训班，提高委员履职能力。"),
    ("政治协商", "（一）开展专题协商。围绕全镇经济社会发展中的重点问题，每年开展2次专题协商，形成协商意见报送镇党委。"),
    ("民主监督", "（一）开展民主评议。组织委员对镇政府职能部门开展民主评议，推动问题整改落实。\n（二）加强提案督办。对重点提案开展跟踪督办，提高提案办理质量。"),
    ("参政议政", "（一）深入调研视察。组织委员围绕民生实事开展调研视察，撰写高质量调研报告。\n（二）反映社情民意。全年报送社情民意信息不少于20条。"),
    ("服务中心", "（一）助力招商引资。发挥委员人脉优势，积极引荐项目，服务2020年度重点项目建设。"),
    ("委员作用", "（一）深化“四个一”活动。每名委员每年联系一批群众、办成一件实事，密切联系群众。"),
    ("自身建设", "（一）加强制度建设。健全委员履职档案，完善委员管理制度，推进工作规范化。"),
    ("宣传信息", "（一）做好宣传报道。及时宣传委员先进事迹，在县级以上媒体刊发稿件10篇以上。"),
    ("工作要求", "（一）加强组织领导。精心组织、强化落实，切实改进作风，确保各项工作任务落到实处。"),
    ("other", "（一）认真完成上级政协和镇党委交办的其他工作任务，努力开创政协工作新局面。"),
)


class CannedStore:
    """What the drafter reads of a store, for the canned passages: their units (ingest's own
    unit builder over each passage), no documents (so the default length is the fallback)."""

    def __init__(self):
        from ingest.model import Chunk
        from ingest.units import build_units

        self._units = []
        for i, (role, text) in enumerate(CANNED_PASSAGES):
            chunk = Chunk(f"c{i}", f"d{i}", f"canned{i}.txt", text, [], role, (0, len(text)))
            self._units += build_units(f"d{i}", text, [chunk])

    def units(self, chunk_ids=None):
        return [u for u in self._units if chunk_ids is None or u.chunk_id in set(chunk_ids)]

    def documents(self, include_off_topic=True):
        return []

    def bodies(self):
        return {}

    def generation(self):
        return 0

    @property
    def embedder(self):
        from vectorstore.embedder import HashingEmbedder

        return HashingEmbedder()

    def chunk_tokens(self):
        from vectorstore.lexical import tokenize

        return {f"c{i}": tokenize(text) for i, (_, text) in enumerate(CANNED_PASSAGES)}


class CannedSearcher:
    """Stands in for the hybrid search, with no store: the canned passages of the role asked for, else all."""

    def __init__(self):
        self.store = CannedStore()

    def search(self, query, k=10, filters=None):
        from vectorstore.search import SearchResult

        role = getattr(filters, "section_role", None)
        level = getattr(filters, "level", None) or "乡镇"
        chosen = [(i, r, t) for i, (r, t) in enumerate(CANNED_PASSAGES) if role is None or r == role]
        return [
            SearchResult(
                chunk_id=f"c{i}", doc_id=f"d{i}", doc_title=f"某某镇政协{2020 + i % 4}年工作计划", source=f"canned{i}.txt",
                text=text, score=1.0 - n / 100, level=level, year=2020 + i % 4, kind="计划", section_role=r,
                heading_path=[], span=(0, len(text)), family_id=f"f{i}", doc_family_id=f"df{i}", foreign_names=["某某镇"],
            )
            for n, (i, r, text) in enumerate(chosen[:k])
        ]



SECTION_PAUSE = 0.35  # seconds between streamed sections, so progress can be watched and photographed


class PausingDrafter:
    """The real Drafter; each streamed section is held back a moment so the progress is observable."""

    def __init__(self, inner):
        self.inner = inner
        self.searcher = inner.searcher

    def plan(self, request):
        return self.inner.plan(request)

    def titles(self, request):
        return self.inner.titles(request)

    def title(self, request):
        return self.inner.title(request)

    def draft(self, request):
        return self.inner.draft(request)

    def schedule(self, request):
        return self.inner.schedule(request)

    def stream(self, request):
        import time

        for section in self.inner.stream(request):
            time.sleep(SECTION_PAUSE)
            yield section


