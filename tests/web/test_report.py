"""``whyrec report``: one self-contained HTML file drawn from the runs' own files."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from whyrec.cli.main import app
from whyrec.data import Dataset
from whyrec.errors import ConfigError
from whyrec.evaluate import Split
from whyrec.evaluate.compare import paired_test
from whyrec.evaluate.groups import breakdown, user_groups
from whyrec.report import collect_runs, report_body
from whyrec.report.breakdowns import METRIC
from whyrec.report.page import EXPOSURE, FAITHFULNESS, LATENCY, RANKING, VALIDITY
from whyrec.runs import EVALUATION_FILE

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_report_embeds_its_data_and_charts_and_needs_nothing_else(web_runs: Path, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    shutil.copytree(web_runs, runs)
    bins = [{"lower": 0.0, "upper": 0.5, "count": 30, "confidence": 0.2, "accuracy": 0.25},
            {"lower": 0.5, "upper": 1.0, "count": 0, "confidence": None, "accuracy": None}]
    (runs / "ease" / "calibration.json").write_text(json.dumps({"horizon": 10, "ece_test": 0.01,
                                                                "reliability_test": bins}))
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["report", str(runs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    # nothing to fetch: no script or style file, no link to any host (the SVG namespace is a name, not a fetch)
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", html)
    assert set(re.findall(r"https?://[^\s\"'<]+", html)) == {"http://www.w3.org/2000/svg"}
    data = json.loads(re.search(r'<script type="application/json" id="whyrec-data">(.*?)</script>', html, re.S)[1])
    assert data == collect_runs(runs).to_json()
    meta = json.loads((web_runs / "ease" / "meta.json").read_text())
    assert {r["name"] for r in data["runs"]} == {"ease", "pop"}
    assert next(r for r in data["runs"] if r["name"] == "ease")["metrics"] == meta["metrics"]
    assert html.count('class="chart ') >= 6 and 'class="chart reliability"' in html
    assert html.count('class="bin"') == 1  # the empty bin is not drawn
    assert f'data-value="{meta["metrics"]["ndcg@10"]:.6g}"' in html


def test_a_folder_without_runs_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no run here"):
        collect_runs(tmp_path)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "missing")])
    assert isinstance(result.exception, ConfigError) and "not a folder" in str(result.exception)


def test_runs_are_marked_against_the_best_by_a_paired_test_on_their_saved_per_user_metrics(web_runs: Path) -> None:
    summary = {r.name: r for r in collect_runs(web_runs).runs}
    ease, pop = (pd.read_parquet(web_runs / name / EVALUATION_FILE) for name in ("ease", "pop"))
    expected = paired_test(ease, pop, METRIC)
    assert summary["ease"].significance == {"metric": METRIC, "best": True, "users": len(ease)}
    mark = summary["pop"].significance
    assert mark is not None and mark["vs"] == "ease" and mark["users"] == expected.n_users
    assert mark["p"] == pytest.approx(expected.wilcoxon_p) and mark["diff"] == pytest.approx(expected.mean_difference)
    assert mark["significant"] and mark["diff"] < 0  # popularity is far behind EASE on ml-100k
    html = report_body(collect_runs(web_runs))
    assert f"{mark['diff']:+.4f} * (p={mark['p']:.2g})" in html and "<td>best</td>" in html


def test_group_metrics_match_the_evaluators_breakdown(web_runs: Path, ml100k: Dataset, ml100k_split: Split) -> None:
    per_user = pd.read_parquet(web_runs / "ease" / EVALUATION_FILE)
    groups = collect_runs(web_runs / "ease").runs[0].groups
    assert set(groups) == {"activity", "gender", "age_band"}  # occupation has 21 values: too many to chart
    for attribute in ("activity", "gender"):
        labels = user_groups(ml100k, ml100k_split.fit, per_user.index, attribute)
        table = breakdown(per_user, labels)
        assert groups[attribute] == pytest.approx(table[METRIC].to_dict())
    assert list(groups["activity"]) == ["low", "mid", "high"]
    html = report_body(collect_runs(web_runs))
    assert html.count(f"mean test {METRIC} per user group") == 3  # one chart per grouping


class _TextNodes(HTMLParser):
    """Every text node of a page outside <script> and <style> (<title> elements, SVG ones included)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("meta", "br", "rect", "circle", "line", "polyline"):  # no end tag, or self-closed in SVG
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.open and self.open[-1] in ("script", "style")):
            self.texts.append(data.strip())


def test_the_chinese_report_has_chinese_on_every_line(web_runs: Path, tmp_path: Path) -> None:
    """Rule: every text node holds CJK, or only numbers, metric, run, model and method names and the symbols K
    (the cutoff) and p (a p-value)."""
    runs = tmp_path / "runs"
    shutil.copytree(web_runs, runs)
    bins = [{"lower": 0.0, "upper": 0.5, "count": 30, "confidence": 0.2, "accuracy": 0.25}]
    (runs / "ease" / "calibration.json").write_text(json.dumps({"horizon": 10, "ece_test": 0.01, "method": "isotonic",
                                                                "reliability_test": bins}))
    columns = (*FAITHFULNESS, *VALIDITY, *LATENCY)
    rows = [{"method": m, **{c: 0.1 * (i + 1) for i, c in enumerate(columns)}, "deletion_curve": [0.2, 0.3, 0.35],
             "insertion_curve": [0.4, 0.6, 0.7]} for m in ("exact", "counterfactual")]
    (runs / "ease" / "explain-eval").mkdir()
    (runs / "ease" / "explain-eval" / "explain_eval.json").write_text(json.dumps({"users": 20, "k": 10,
                                                                                   "all_pairs": rows}))
    out = tmp_path / "report-zh.html"
    result = CliRunner().invoke(app, ["report", str(runs), "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="zh">' in html and "Noto Sans CJK SC" in html
    summary = collect_runs(runs)
    names = {*columns, *RANKING, *EXPOSURE, "avgpop", "exact", "counterfactual", "K", "p",
             *(r.name for r in summary.runs), *(r.model for r in summary.runs)}
    number = re.compile(r"^[+-]?\d+(\.\d+)?(e[+-]?\d+)?%?$")
    parser = _TextNodes()
    parser.feed(html)
    assert len(parser.texts) > 200
    not_chinese = [t for t in parser.texts if not CJK.search(t)
                   and any(not (token in names or number.match(token))
                           for token in re.split(r"[\s:()*,;=@|/+]+|(?<=\d)-(?=\d)", t) if token)]
    assert not_chinese == []
    for heading in ("排序效果", "可信度与解释", "模型对比 @10", "按活跃度分组的 ndcg@10", "按性别分组的 ndcg@10",
                    "校准：ease", "解释质量：ease", "解释耗时（毫秒）：ease", "重新训练后的有效性：ease",
                    "删除曲线：ease", "插入曲线：ease"):
        assert heading in html
    english = out.with_name("report-en.html")
    assert CliRunner().invoke(app, ["report", str(runs), "--out", str(english)]).exit_code == 0
    assert not CJK.search(english.read_text(encoding="utf-8").split('id="whyrec-data"')[0])
