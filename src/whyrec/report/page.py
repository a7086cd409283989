"""The report's HTML: a body of tables and SVG charts (shared with the analyst view), and a whole page around it
with its style and its data embedded, so the file opens anywhere, offline. Every word comes from
`whyrec.report.words` in the language asked (English or Chinese)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from whyrec import __version__
from whyrec.evaluate.groups import ACTIVITY
from whyrec.explain.explanation import Lang
from whyrec.report.breakdowns import ALPHA, METRIC
from whyrec.report.collect import RunsSummary
from whyrec.report.svg import grouped_bars, line_chart, reliability_diagram
from whyrec.report.words import REPORT_WORDS, group_label, grouping_name

__all__ = ["report_body", "report_html"]

#: Ranking metrics compared at the first K, in this order when present.
RANKING = ("ndcg", "recall", "precision", "hr", "mrr", "map")
#: Popularity bias and exposure: the share of the catalog shown, how unpopular and how varied the lists are.
EXPOSURE = ("coverage", "novelty", "diversity")
#: Explanation evaluation columns drawn (`whyrec.explain.evaluation`).
FAITHFULNESS = ("deletion_auc", "insertion_auc", "sufficiency", "cf_validity")
VALIDITY = ("cf_rescore_validity", "cf_retrain_validity")
LATENCY = ("ms_median", "ms_p95")

_STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;color:#1d232b;background:#f6f7f9;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:1rem}
.chart-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
.chart-grid figure{margin:0;background:#fff;border:1px solid #d9dde3;border-radius:10px;padding:.6rem}
svg.chart{width:100%;height:auto;display:block}
table.metrics{border-collapse:collapse;font-size:.9rem;background:#fff}
table.metrics th,table.metrics td{border-bottom:1px solid #d9dde3;padding:.25rem .5rem;text-align:right}
table.metrics th:first-child,table.metrics td:first-child{text-align:left}
.note{color:#5a6472;font-size:.88rem}
"""


def _at(summary: RunsSummary, name: str, k: int) -> list[float | None]:
    return [run.metrics.get(f"{name}@{k}") for run in summary.runs]


def _table(summary: RunsSummary, k: int, w: dict[str, str]) -> str:
    names = [n for n in (*RANKING, *EXPOSURE, "avgpop") if any(f"{n}@{k}" in r.metrics for r in summary.runs)]
    head = "".join(f"<th>{escape(n)}@{k}</th>" for n in names)
    rows = []
    for run in summary.runs:
        cells = "".join(f"<td>{run.metrics[f'{n}@{k}']:.4f}</td>" if f"{n}@{k}" in run.metrics else "<td>-</td>"
                        for n in names)
        rows.append(f"<tr><td>{escape(run.name)} ({escape(run.model)})</td>{cells}<td>{run.fit_seconds:.1f}</td>"
                    f"<td>{escape(_mark(run.significance, w))}</td></tr>")
    tested = next((r.significance["metric"] for r in summary.runs if r.significance), METRIC)
    note = f'<p class="note">{escape(w["vs_best_note"].format(metric=tested, alpha=ALPHA))}</p>'
    return (f'<table class="metrics"><thead><tr><th>{escape(w["run"])}</th>{head}<th>{escape(w["fit_s"])}</th>'
            f'<th>{escape(w["vs_best"].format(metric=tested))}</th></tr></thead><tbody>{"".join(rows)}</tbody>'
            f"</table>{note}")


def _mark(test: dict[str, Any] | None, w: dict[str, str]) -> str:
    """``best``, ``-0.0150 * (p=0.007)`` or ``-0.0020 n.s. (p=0.4)``; ``-`` without per-user metrics."""
    if not test:
        return "-"
    if test.get("best"):
        return w["best"]
    p = test.get("p")
    shown = f"p={p:.2g}" if p is not None else w["no_difference"]
    return f"{test['diff']:+.4f} {'*' if test['significant'] else w['not_significant']} ({shown})"


def _group_figures(summary: RunsSummary, lang: Lang) -> list[str]:
    """One chart per user grouping: each run's mean metric per group."""
    w = REPORT_WORDS[lang]
    out = []
    groupings = dict.fromkeys(name for run in summary.runs for name in run.groups)
    for name in groupings:
        groups = list(dict.fromkeys(g for run in summary.runs for g in run.groups.get(name, {})))
        series = {run.name: [run.groups.get(name, {}).get(g) for g in groups] for run in summary.runs
                  if name in run.groups}
        shown = grouping_name(name, lang)
        what = w["activity_what"] if name == ACTIVITY else w["attribute_what"].format(grouping=shown)
        out.append(_figure(grouped_bars(w["by_group"].format(metric=METRIC, grouping=shown),
                                        [group_label(name, g, lang) for g in groups], series),
                           w["group_note"].format(metric=METRIC, what=what)))
    return out


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption class=\"note\">{escape(caption)}</figcaption></figure>"


def _ranking_figures(summary: RunsSummary, w: dict[str, str]) -> list[str]:
    cutoffs = summary.cutoffs()
    if not cutoffs:
        return []
    first = cutoffs[0]
    names = [n for n in RANKING if any(v is not None for v in _at(summary, n, first))]
    runs = [r.name for r in summary.runs]
    out = [_figure(grouped_bars(w["comparison"].format(k=first), names,
                                {run: [summary.runs[i].metrics.get(f"{n}@{first}") for n in names]
                                 for i, run in enumerate(runs)}),
                   w["comparison_note"].format(k=first, protocol=summary.runs[0].protocol or w["split"]))]
    for name in names[:4]:
        out.append(_figure(line_chart(f"{name}@K", cutoffs, {run.name: [run.metrics.get(f"{name}@{k}") for k in cutoffs]
                                                            for run in summary.runs}, x_label="K"),
                           w["at_k_note"].format(metric=name)))
    exposure = [n for n in EXPOSURE if any(v is not None for v in _at(summary, n, first))]
    if exposure:
        out.append(_figure(grouped_bars(w["exposure"].format(k=first), exposure,
                                        {run.name: [run.metrics.get(f"{n}@{first}") for n in exposure]
                                         for run in summary.runs}),
                           w["exposure_note"]))
    return out


def _explain_figures(summary: RunsSummary, w: dict[str, str]) -> list[str]:
    out = []
    for run in summary.runs:
        cal = run.calibration
        if cal and cal.get("reliability_test"):
            diagram = reliability_diagram(w["calibration"].format(run=run.name), cal["reliability_test"],
                                          x_label=w["confidence"], observed=w["observed"], bin_title=w["bin"])
            ece = float(cal.get("ece_test", float("nan")))
            out.append(_figure(diagram, w["calibration_note"].format(ece=ece, horizon=cal.get("horizon"),
                                                                     method=cal.get("method", ""))))
        ev = run.explain_eval
        rows = (ev or {}).get("all_pairs") or []
        if not ev or not rows:
            continue
        methods = [str(r.get("method")) for r in rows]

        def column(name: str, rows: list[dict[str, object]] = rows) -> list[float | None]:
            return [float(v) if isinstance(v := r.get(name), (int, float)) else None for r in rows]

        out.append(_figure(grouped_bars(w["explanations"].format(run=run.name), list(FAITHFULNESS),
                                        {m: [column(c)[i] for c in FAITHFULNESS] for i, m in enumerate(methods)}),
                           w["explanations_note"].format(users=ev.get("users"), k=ev.get("k"))))
        out += _curve_figures(run.name, rows, w)
        out.append(_figure(grouped_bars(w["latency"].format(run=run.name), list(LATENCY),
                                        {m: [column(c)[i] for c in LATENCY] for i, m in enumerate(methods)}),
                           w["latency_note"]))
        if any(v is not None for c in VALIDITY for v in column(c)):
            out.append(_figure(grouped_bars(w["validity"].format(run=run.name), list(VALIDITY),
                                            {m: [column(c)[i] for c in VALIDITY] for i, m in enumerate(methods)}),
                               w["validity_note"]))
    return out


def _curve_figures(run: str, rows: list[dict[str, Any]], w: dict[str, str]) -> list[str]:
    """The mean deletion and insertion curves of each method (`whyrec.explain.fidelity`), one chart each."""
    out = []
    for key, axis in (("deletion", "removed"), ("insertion", "inserted")):
        curves = {str(r.get("method")): c for r in rows if isinstance(c := r.get(f"{key}_curve"), list) and c}
        if not curves:
            continue
        steps = list(range(1, max(len(c) for c in curves.values()) + 1))
        out.append(_figure(line_chart(w[f"{key}_curve"].format(run=run), steps, curves, x_label=w[axis]),
                           w[f"{key}_curve_note"]))
    return out


def report_body(summary: RunsSummary, lang: Lang = Lang.EN) -> str:
    """The report's sections (tables and charts) in `lang`, as an HTML fragment."""
    w = REPORT_WORDS[lang]
    k = summary.cutoffs()[0] if summary.cutoffs() else 10
    ranking, explain = _ranking_figures(summary, w) + _group_figures(summary, lang), _explain_figures(summary, w)
    parts = [f'<section class="runs"><h2>{escape(w["runs_in"].format(folder=summary.folder))}</h2>'
             f"{_table(summary, k, w)}</section>"]
    if ranking:
        parts.append(f'<section><h2>{escape(w["ranking"])}</h2><div class="chart-grid">{"".join(ranking)}</div>'
                     "</section>")
    if explain:
        parts.append(f'<section><h2>{escape(w["trust"])}</h2><div class="chart-grid">{"".join(explain)}</div>'
                     "</section>")
    else:
        parts.append(f'<p class="note">{escape(w["nothing_yet"])}</p>')
    return "".join(parts)


def report_html(summary: RunsSummary, lang: Lang = Lang.EN) -> str:
    """A whole HTML page in `lang`: the style, the body and the collected data (``<script
    type="application/json">``), with no reference to any other file or host."""
    w = REPORT_WORDS[lang]
    data = json.dumps(summary.to_json(), ensure_ascii=False).replace("</", "<\\/")
    made = datetime.now(UTC).isoformat(timespec="seconds")
    note = w["made"].format(n=len(summary.runs), folder=summary.folder, made=made, version=__version__)
    return (f"<!doctype html><html lang=\"{lang.value}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>{escape(w['title'].format(folder=summary.folder))}"
            f"</title><style>{_STYLE}</style></head><body><main><h1>{escape(w['heading'])}</h1>"
            f'<p class="note">{escape(note)}</p>{report_body(summary, lang)}</main>'
            f'<script type="application/json" id="whyrec-data">{data}</script></body></html>')
