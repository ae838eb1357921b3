"""Default outlines: which sections a plan has, in what order, with what titles, per level.

The order follows DOMAIN.md ("What a plan looks like").  Titles are written with the level's
own words, so a township plan speaks of 镇党委 and a street plan of 街道党工委.
"""
from __future__ import annotations

from dataclasses import dataclass

from drafting.vocabulary import LEVEL_TERMS


@dataclass(frozen=True)
class OutlineSection:
    role: str
    title: str  # without the 一、 number
    query: str  # what retrieval looks for


# role → (title template, retrieval query).  {party} and {gov} are the level's words.
_SECTIONS: dict[str, tuple[str, str]] = {
    "指导思想": ("指导思想和总体要求", "指导思想 以习近平新时代中国特色社会主义思想为指导 围绕中心服务大局 团结和民主两大主题"),
    "学习": ("加强理论学习，提高履职能力", "加强理论学习 组织委员学习培训 学习型政协 提高政治素质"),
    "政治协商": ("深化协商议事，助推科学决策", "政治协商 专题协商 协商议题 协商座谈会 建言献策 {party}决策"),
    "民主监督": ("强化民主监督，促进工作落实", "民主监督 民主评议 提案督办 监督渠道 监督实效"),
    "参政议政": ("深入调研视察，积极参政议政", "调研视察 撰写提案 社情民意 参政议政 调查研究"),
    "服务中心": ("围绕中心工作，服务发展大局", "围绕{party}{gov}中心工作 招商引资 重点项目 民生实事 服务发展"),
    "委员作用": ("发挥委员作用，密切联系群众", "发挥委员主体作用 四个一 联系群众 走访委员 公益活动"),
    "自身建设": ("加强自身建设，提升履职水平", "加强自身建设 制度建设 规范化 委员管理 工作机制"),
    "宣传信息": ("做好宣传报道和信息工作", "宣传报道 信息报送 宣传委员先进事迹 新闻媒体"),
    "工作要求": ("工作要求", "工作要求 加强领导 精心组织 强化落实 改进作风"),
}

DEFAULT_ROLES: dict[str, tuple[str, ...]] = {
    # Townships and streets have no full committee: 协商 and 监督 are lighter, serving the centre heavier.
    "乡镇": ("指导思想", "学习", "服务中心", "政治协商", "民主监督", "参政议政", "委员作用", "自身建设", "宣传信息"),
    "街道": ("指导思想", "学习", "服务中心", "政治协商", "民主监督", "参政议政", "委员作用", "自身建设", "宣传信息"),
    "县区": ("指导思想", "学习", "政治协商", "民主监督", "参政议政", "服务中心", "委员作用", "自身建设", "宣传信息", "工作要求"),
    "市": ("指导思想", "学习", "政治协商", "民主监督", "参政议政", "服务中心", "委员作用", "自身建设", "宣传信息", "工作要求"),
    "省": ("指导思想", "学习", "政治协商", "民主监督", "参政议政", "服务中心", "委员作用", "自身建设", "宣传信息", "工作要求"),
    "界别专委": ("指导思想", "学习", "政治协商", "参政议政", "委员作用", "自身建设", "宣传信息"),
}


def outline(level: str, roles: list[str] | None = None, topics: list[str] | None = None) -> list[OutlineSection]:
    """The sections of a plan for ``level``: the default ones, or the roles asked for."""
    terms = LEVEL_TERMS.get(level, LEVEL_TERMS["县区"])
    party, gov = terms["party"][0], terms["government"][0]
    chosen = roles or list(DEFAULT_ROLES.get(level, DEFAULT_ROLES["县区"]))
    extra = " ".join(topics or [])
    sections = []
    for role in chosen:
        title, query = _SECTIONS.get(role, (role, role))
        query = query.format(party=party, gov=gov)
        if extra and role in ("服务中心", "参政议政", "政治协商", "民主监督"):
            query = f"{query} {extra}"
        sections.append(OutlineSection(role, title, query))
    return sections
