# ruff: noqa: RUF001  (Chinese punctuation is meant)
"""The reports' texts in English and Simplified Chinese. English is the source: its strings
are exactly those the reports always printed (a test compares the English output with a
stored copy, byte for byte)."""

from typing import Any

from markupsafe import Markup

from strata_kit.i18n import Language

EN: dict[str, str] = {
    "html_lang": "en",
    "title_360": "360 report: {name}",
    "h1_360": "360° feedback report: {name}",
    "meta_360": "Campaign {campaign}, closed {closed}. Scale {scale}.",
    "meta_360_cycle": "Campaign {campaign} of cycle {cycle}, closed {closed}. Scale {scale}.",
    "anonymity_360": (
        "Anonymous groups are shown only with at least {k} responses; a withheld group's "
        "answers and comments enter nothing below."
    ),
    "who_answered": "Who answered",
    "group": "Group",
    "responses": "Responses",
    "withheld_group": "withheld: fewer than {k} responses",
    "radar_heading": "Self and others per competency",
    "competencies": "Competencies",
    "competency": "Competency",
    "self": "Self",
    "others": "Others",
    "ratings": "Ratings",
    "others_minus_self": "Others − self",
    "items": "Items",
    "item": "Item",
    "strengths_and_gaps": "Strengths and gaps",
    "strengths": "Strengths: rated highest by others",
    "gaps": "Gaps: rated lowest by others",
    "comments": "Comments",
    "comments_withheld": "Not shown: fewer than {k} responses.",
    "no_comments": "No comments.",
    "radar_note": "The radar chart needs at least three competencies on one scale.",
    "scale": "{low} to {high}",
    "group_self": "Self",
    "group_supervisor": "Supervisor",
    "group_peer": "Peers",
    "group_direct_report": "Direct reports",
    "group_customer": "Customers",
    "title_distribution": "Rating distribution: {title}",
    "cycle_results": "Cycle results",
    "meta_distribution_cycle": "Cycle {cycle}",
    "meta_distribution_session": ", calibration session {session}",
    "meta_distribution_people": ". {people} results with a band.",
    "people_per_band": "People per band",
    "raw": "Raw",
    "calibrated": "Calibrated",
    "guideline": "Guideline",
    "guideline_expected": "Guideline (expected)",
    "band": "Band",
}

ZH: dict[str, str] = {
    "html_lang": "zh-CN",
    "title_360": "360 度评估报告：{name}",
    "h1_360": "360° 反馈报告：{name}",
    "meta_360": "评估活动 {campaign}，结束于 {closed}。评分量表 {scale}。",
    "meta_360_cycle": "考核周期 {cycle} 的评估活动 {campaign}，结束于 {closed}。评分量表 {scale}。",
    "anonymity_360": (
        "匿名组至少有 {k} 份答卷才会显示；被隐藏的组的评分和评语不计入下文任何内容。"
    ),
    "who_answered": "答卷人",
    "group": "组别",
    "responses": "答卷数",
    "withheld_group": "已隐藏：答卷少于 {k} 份",
    "radar_heading": "各项胜任力的自评与他评",
    "competencies": "胜任力",
    "competency": "胜任力",
    "self": "自评",
    "others": "他评",
    "ratings": "评分数",
    "others_minus_self": "他评 − 自评",
    "items": "题项",
    "item": "题项",
    "strengths_and_gaps": "优势与差距",
    "strengths": "优势：他评最高",
    "gaps": "差距：他评最低",
    "comments": "评语",
    "comments_withheld": "未显示：答卷少于 {k} 份。",
    "no_comments": "没有评语。",
    "radar_note": "雷达图需要同一量表上至少三项胜任力。",
    "scale": "{low} 至 {high}",
    "group_self": "自评",
    "group_supervisor": "上级",
    "group_peer": "同事",
    "group_direct_report": "下属",
    "group_customer": "客户",
    "title_distribution": "评级分布：{title}",
    "cycle_results": "考核周期结果",
    "meta_distribution_cycle": "考核周期 {cycle}",
    "meta_distribution_session": "，校准会议 {session}",
    "meta_distribution_people": "。共 {people} 个带评级的结果。",
    "people_per_band": "各评级人数",
    "raw": "原始",
    "calibrated": "校准后",
    "guideline": "指导比例",
    "guideline_expected": "指导比例（预期）",
    "band": "评级",
}

TEXTS: dict[str, dict[str, str]] = {"en": EN, "zh-CN": ZH}


class Texts:
    """`t.key` in templates, `t("key", name=...)` to fill placeholders."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self._table = TEXTS[lang]

    def __getattr__(self, key: str) -> Markup:
        try:
            return Markup(self._table[key])  # noqa: S704 (our own text, not input)
        except KeyError:
            raise AttributeError(key) from None

    def __call__(self, key: str, **values: Any) -> Markup:
        """The text with its placeholders filled; every value is escaped."""
        return Markup(self._table[key]).format(**values)  # noqa: S704

    @property
    def cjk(self) -> bool:
        return self.lang == "zh-CN"
