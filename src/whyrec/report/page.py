"""The report's HTML: a body of tables and SVG charts (shared with the analyst view), and a whole page around it
with its style and its data embedded, so the file opens anywhere, offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from whyrec import __version__
from whyrec.evaluate.groups import ACTIVITY
from whyrec.report.breakdowns import ALPHA, METRIC
from whyrec.report.collect import RunsSummary
from whyrec.report.svg import grouped_bars, line_chart, reliability_diagram

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


def _table(summary: RunsSummary, k: int) -> str:
    names = [n for n in (*RANKING, *EXPOSURE, "avgpop") if any(f"{n}@{k}" in r.metrics for r in summary.runs)]
    head = "".join(f"<th>{escape(n)}@{k}</th>" for n in names)
    rows = []
    for run in summary.runs:
        cells = "".join(f"<td>{run.metrics[f'{n}@{k}']:.4f}</td>" if f"{n}@{k}" in run.metrics else "<td>-</td>"
                        for n in names)
        rows.append(f"<tr><td>{escape(run.name)} ({escape(run.model)})</td>{cells}<td>{run.fit_seconds:.1f}</td>"
                    f"<td>{escape(_mark(run.significance))}</td></tr>")
    tested = next((r.significance["metric"] for r in summary.runs if r.significance), METRIC)
    note = (f'<p class="note">vs best: the paired Wilcoxon signed-rank test of each run against the best run of the '
            f"same split on per-user {escape(tested)} (* p &lt; {ALPHA}; n.s. not significant).</p>")
    return (f'<table class="metrics"><thead><tr><th>run</th>{head}<th>fit s</th><th>vs best ({escape(tested)})</th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>{note}')


def _mark(test: dict[str, Any] | None) -> str:
    """``best``, ``-0.0150 * (p=0.007)`` or ``-0.0020 n.s. (p=0.4)``; ``-`` without per-user metrics."""
    if not test:
        return "-"
    if test.get("best"):
        return "best"
    p = test.get("p")
    shown = f"p={p:.2g}" if p is not None else "no difference"
    return f"{test['diff']:+.4f} {'*' if test['significant'] else 'n.s.'} ({shown})"


def _group_figures(summary: RunsSummary) -> list[str]:
    """One chart per user grouping: each run's mean metric per group."""
    out = []
    groupings = dict.fromkeys(name for run in summary.runs for name in run.groups)
    for name in groupings:
        labels = list(dict.fromkeys(g for run in summary.runs for g in run.groups.get(name, {})))
        series = {run.name: [run.groups.get(name, {}).get(g) for g in labels] for run in summary.runs
                  if name in run.groups}
        what = ("history length on the fitted data, in tertiles" if name == ACTIVITY
                else f"the users' {name} attribute")
        out.append(_figure(grouped_bars(f"{METRIC} by {name}", labels, series),
                           f"mean test {METRIC} per user group ({what}): gaps show who the model serves worse"))
    return out


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption class=\"note\">{escape(caption)}</figcaption></figure>"


def _ranking_figures(summary: RunsSummary) -> list[str]:
    cutoffs = summary.cutoffs()
    if not cutoffs:
        return []
    first = cutoffs[0]
    names = [n for n in RANKING if any(v is not None for v in _at(summary, n, first))]
    runs = [r.name for r in summary.runs]
    out = [_figure(grouped_bars(f"model comparison @{first}", names,
                                {run: [summary.runs[i].metrics.get(f"{n}@{first}") for n in names]
                                 for i, run in enumerate(runs)}),
                   f"test metrics of each run at K = {first} ({summary.runs[0].protocol or 'split'})")]
    for name in names[:4]:
        out.append(_figure(line_chart(f"{name}@K", cutoffs, {run.name: [run.metrics.get(f"{name}@{k}") for k in cutoffs]
                                                            for run in summary.runs}, x_label="K"),
                           f"{name} at each cutoff K"))
    exposure = [n for n in EXPOSURE if any(v is not None for v in _at(summary, n, first))]
    if exposure:
        out.append(_figure(grouped_bars(f"popularity bias and exposure @{first}", exposure,
                                        {run.name: [run.metrics.get(f"{n}@{first}") for n in exposure]
                                         for run in summary.runs}),
                           "coverage: share of the catalog recommended to someone; novelty: mean self-information "
                           "(bits) of recommended items; diversity: intra-list dissimilarity"))
    return out


def _explain_figures(summary: RunsSummary) -> list[str]:
    out = []
    for run in summary.runs:
        cal = run.calibration
        if cal and cal.get("reliability_test"):
            out.append(_figure(reliability_diagram(f"calibration: {run.name}", cal["reliability_test"]),
                               f"reliability on test; ECE {float(cal.get('ece_test', float('nan'))):.4f}, horizon "
                               f"{cal.get('horizon')} picks ({cal.get('method', '')})"))
        ev = run.explain_eval
        rows = (ev or {}).get("all_pairs") or []
        if not rows:
            continue
        methods = [str(r.get("method")) for r in rows]

        def column(name: str, rows: list[dict[str, object]] = rows) -> list[float | None]:
            return [float(v) if isinstance(v := r.get(name), (int, float)) else None for r in rows]

        out.append(_figure(grouped_bars(f"explanations: {run.name}", list(FAITHFULNESS),
                                        {m: [column(c)[i] for c in FAITHFULNESS] for i, m in enumerate(methods)}),
                           "deletion AUC (lower: removing the top evidence drops the score faster), insertion AUC "
                           f"(higher is better), sufficiency, counterfactual validity; {ev.get('users')} users x top "
                           f"{ev.get('k')}" if ev else ""))
        out.append(_figure(grouped_bars(f"explanation latency (ms): {run.name}", list(LATENCY),
                                        {m: [column(c)[i] for c in LATENCY] for i, m in enumerate(methods)}),
                           "milliseconds per explained item, median and 95th percentile"))
        if any(v is not None for c in VALIDITY for v in column(c)):
            out.append(_figure(grouped_bars(f"retrain validity: {run.name}", list(VALIDITY),
                                            {m: [column(c)[i] for c in VALIDITY] for i, m in enumerate(methods)}),
                               "share of counterfactuals that hold when re-scored, and when the model is refitted "
                               "from scratch without those interactions"))
    return out


def report_body(summary: RunsSummary) -> str:
    """The report's sections (tables and charts), as an HTML fragment."""
    k = summary.cutoffs()[0] if summary.cutoffs() else 10
    ranking, explain = _ranking_figures(summary) + _group_figures(summary), _explain_figures(summary)
    parts = [f'<section class="runs"><h2>runs in {escape(summary.folder)}</h2>{_table(summary, k)}</section>']
    if ranking:
        parts.append(f'<section><h2>ranking</h2><div class="chart-grid">{"".join(ranking)}</div></section>')
    if explain:
        parts.append(f'<section><h2>trust and explanations</h2><div class="chart-grid">{"".join(explain)}</div>'
                     "</section>")
    else:
        parts.append('<p class="note">No calibration or explanation evaluation in these runs yet: run `whyrec '
                     'calibrate RUN` and `whyrec explain-eval RUN --out RUN/explain-eval`.</p>')
    return "".join(parts)


def report_html(summary: RunsSummary) -> str:
    """A whole HTML page: the style, the body and the collected data (``<script type="application/json">``),
    with no reference to any other file or host."""
    data = json.dumps(summary.to_json(), ensure_ascii=False).replace("</", "<\\/")
    made = datetime.now(UTC).isoformat(timespec="seconds")
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            "content=\"width=device-width, initial-scale=1\"><title>whyrec report: "
            f"{escape(summary.folder)}</title><style>{_STYLE}</style></head><body><main><h1>whyrec report</h1>"
            f'<p class="note">{len(summary.runs)} run(s) in {escape(summary.folder)}; made {made} by whyrec '
            f"{escape(__version__)}</p>{report_body(summary)}</main>"
            f'<script type="application/json" id="whyrec-data">{data}</script></body></html>')
