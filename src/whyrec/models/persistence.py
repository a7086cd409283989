"""Moved to `whyrec.runs` (run directories live above models and evaluate)."""

# TEMPORARY re-exports for explain/ and serve/, removed at merge
from whyrec.runs import Run, RunMeta, load_run, save_run, update_metrics

__all__ = ["Run", "RunMeta", "load_run", "save_run", "update_metrics"]
# end of TEMPORARY re-exports
