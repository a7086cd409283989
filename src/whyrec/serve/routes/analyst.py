"""``GET /v1/analyst/report``: the analyst view's runs report (a read key, or higher; never a shopper)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from whyrec.explain.explanation import Lang
from whyrec.report import collect_runs, report_body
from whyrec.serve.deps import MetricsAccess, SettingsDep
from whyrec.serve.schemas import ErrorBody

__all__ = ["router"]

router = APIRouter(prefix="/v1/analyst", tags=["analyst"])


class AnalystReportOut(BaseModel):
    """The runs folder's report."""

    folder: str
    html: str
    """The report's body (tables and SVG charts), as ``whyrec report`` writes it."""
    data: dict[str, Any]
    """What it was drawn from (`whyrec.report.RunsSummary`)."""


@router.get("/report", response_model=AnalystReportOut, responses={422: {"model": ErrorBody}})
def report(_: MetricsAccess, settings: SettingsDep,
           lang: Annotated[Lang, Query(description="Language of the report's body.")] = Lang.EN) -> AnalystReportOut:
    """Model comparison, metric@K curves, exposure, calibration and explanation quality of the runs folder
    (``whyrec serve --runs DIR``; default: the served run's parent folder), read from the runs' files."""
    summary = collect_runs(settings.runs_dir or settings.run_dir.parent)
    return AnalystReportOut(folder=summary.folder, html=report_body(summary, lang), data=summary.to_json())
