"""What a folder of runs says about how well they work: collected (:func:`collect_runs`), drawn as SVG, and
written as one self-contained HTML page (:func:`report_html`, ``whyrec report``; the analyst view at
``/analyst`` shows the same body)."""

from whyrec.report.collect import RunsSummary, collect_runs
from whyrec.report.page import report_body, report_html

__all__ = ["RunsSummary", "collect_runs", "report_body", "report_html"]
