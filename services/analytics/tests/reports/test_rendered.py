# ruff: noqa: RUF001  (Chinese punctuation is meant)
"""The reports in English and Simplified Chinese (issue 19) and as a browser draws them
(issue 17, point 14): English output byte for byte what it was, Chinese for
`Accept-Language: zh-CN` with a CJK font stack, a screenshot of the Chinese 360 report in
the test artefacts, and no radar label drawn outside the chart (headless Chromium)."""

import sys
from pathlib import Path

import pytest

from strata_contracts.identity import Role
from strata_kit import testing_browser as browser
from strata_kit.testing_artifacts import artifacts_dir

sys.path.insert(0, str(Path(__file__).parent))
import sample

from .test_reports import R, three_sixty

GOLDEN = Path(__file__).parent / "golden"

LABEL_BOUNDS = """
const svg = document.querySelector('#radar svg');
const box = svg.viewBox.baseVal;
return Array.from(svg.querySelectorAll('text.axis-label')).map((t) => {
  const b = t.getBBox();
  return {label: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height,
          inside: b.x >= box.x && b.y >= box.y && b.x + b.width <= box.x + box.width
                  && b.y + b.height <= box.y + box.height};
});
"""


class TestLanguages:
    def test_english_output_is_byte_identical_to_before(self):
        assert sample.report_360_html() == (GOLDEN / "individual_360.en.html").read_text()
        assert sample.distribution_html() == (GOLDEN / "distribution.en.html").read_text()

    def test_chinese_texts_and_fonts(self):
        html = sample.report_360_html("zh-CN")
        assert '<html lang="zh-CN">' in html
        assert "360° 反馈报告：Lena Kovač" in html
        assert "答卷人" in html
        assert "优势：他评最高" in html
        assert '"Noto Sans CJK SC"' in html
        assert "Who answered" not in html
        distribution = sample.distribution_html("zh-CN")
        assert "评级分布：考核周期结果" in distribution
        assert "Raw" not in distribution

    async def test_accept_language_through_the_api(self, client, world, consumer, identity_headers):
        _, ratee, campaign = await three_sixty(world, consumer)
        hr = identity_headers(Role.HR)
        url = f"{R}/360/{ratee}/{campaign}"
        english = await client.get(url, headers=hr)
        chinese = await client.get(url, headers={**hr, "Accept-Language": "zh-CN,en;q=0.5"})
        assert english.status_code == chinese.status_code == 200
        assert "Who answered" in english.text
        assert '<html lang="en">' in english.text
        assert "答卷人" in chinese.text
        assert "Who answered" not in chinese.text
        dist = await client.get(
            f"{R}/distribution",
            params={"cycle_id": str(world.cycle)},
            headers={**hr, "Accept-Language": "zh-CN"},
        )
        assert dist.status_code == 200
        assert "评级分布" in dist.text
        missing = await client.get(
            f"{R}/360/{ratee}/{world.cycle}", headers={**hr, "Accept-Language": "zh-CN"}
        )
        assert missing.status_code == 404
        assert missing.json()["title"] == "未找到报告"


class TestRendered:
    @pytest.mark.parametrize("lang", ["en", "zh-CN"])
    def test_no_radar_label_is_clipped(self, lang, tmp_path):
        labels = browser.probe(sample.report_360_html(lang), LABEL_BOUNDS, tmp_path)
        assert isinstance(labels, list)
        assert len(labels) == len(sample.COMPETENCIES)
        clipped = [label for label in labels if not label["inside"]]
        assert not clipped, f"labels drawn outside the chart: {clipped}"

    def test_the_chinese_report_renders_in_a_cjk_font(self, tmp_path):
        html = sample.report_360_html("zh-CN")
        fonts = browser.probe(
            html,
            "return {cjk: document.fonts.check('16px \"Noto Sans CJK SC\"'),"
            " width: document.querySelector('h1').getBoundingClientRect().width};",
            tmp_path,
        )
        assert isinstance(fonts, dict)
        assert fonts["width"] > 100
        page = tmp_path / "report-zh.html"
        page.write_text(html)
        shot = browser.screenshot(page.as_uri(), artifacts_dir() / "report-360-zh-CN.png")
        assert not browser.blank(shot)
        english = tmp_path / "report-en.html"
        english.write_text(sample.report_360_html())
        browser.screenshot(english.as_uri(), artifacts_dir() / "report-360-en.png")
