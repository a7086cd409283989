"""``whyrec run``: look after run directories (upgrade old ones), plus the run checks ``train`` shares."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import metrics_table, out, print_json
from whyrec.data.loading import DataSource
from whyrec.errors import ConfigError
from whyrec.runs import META_FILE, Run, RunMeta, load_run, upgrade_run

__all__ = ["app", "check_out_dir", "inherit_data_settings"]

logger = logging.getLogger(__name__)

app = typer.Typer(help="Look after run directories: show what a run holds, upgrade old runs.", no_args_is_help=True,
                  add_completion=False)


def check_out_dir(path: Path, force: bool) -> None:
    """Refuse to write a run over an existing run (or a non-empty folder) unless `force`.

    Raises:
        ConfigError: `path` holds something and `force` is False (the message names ``--force``).
    """
    if force or not path.exists():
        return
    if (path / META_FILE).is_file():
        try:
            meta = RunMeta.model_validate_json((path / META_FILE).read_text())
            what = f"a {meta.model} run trained {meta.created}"
        except ValueError:
            what = "a run"
        raise ConfigError(f"--out {path} already holds {what}; pass --force to replace it, or choose another --out.",
                          field="out")
    if not path.is_dir() or any(path.iterdir()):
        raise ConfigError(f"--out {path} exists and is not a run directory; choose another --out (--force "
                          "replaces it).", field="out")


def inherit_data_settings(previous: Run, spec: DataSource) -> DataSource:
    """`spec` (the new export) with the previous run's data settings wherever the command left the default.

    The files (source, catalog, users) are always the command's own.
    """
    old = previous.meta.data
    fields = type(old).model_fields
    keep = {name: getattr(old, name) for name, info in fields.items()
            if name not in ("source", "catalog", "users", "seed", "synthetic_events")
            and getattr(spec, name) == info.get_default(call_default_factory=True)}
    for name in ("catalog", "users"):
        if getattr(old, name) and not getattr(spec, name):
            logger.warning("the previous run %s had --%s %s; this run has none (pass --%s to keep it)",
                           previous.path, name, getattr(old, name), name)
    return spec.model_copy(update=keep)


@app.command("upgrade")
def upgrade(
    run_dirs: Annotated[list[Path], typer.Argument(help="Run directories saved before runs stored their data.")],
) -> None:
    """Store an old run's data in it (read from its source, checked against the fingerprint)."""
    for run_dir in run_dirs:
        if upgrade_run(run_dir):
            out.print(f"upgraded {run_dir}: it now holds its data and can be moved or served anywhere")
        else:
            out.print(f"{run_dir} already holds its data; nothing to do")


@app.command("info")
def info(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    json_output: JsonOpt = False,
) -> None:
    """What a run holds: model, data, split and files."""
    run = load_run(run_dir)
    meta = run.meta
    stored = meta.stored
    if stored is None:
        raise ConfigError(f"{run_dir} was saved before runs stored their data; `whyrec run upgrade {run_dir}` "
                          "stores it.", source=str(run_dir), field="run_dir")
    files = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    summary = {"run": str(run_dir), "model": meta.model, "created": meta.created, "protocol": meta.protocol,
               "dataset": stored.name, "users": stored.n_users, "items": stored.n_items, "events": stored.n_events,
               "split_sizes": meta.split_sizes, "warm_start": meta.warm_start, "files": files}
    if json_output:
        print_json(summary)
        return
    shown = {**summary, "split_sizes": ", ".join(f"{k} {v:,}" for k, v in meta.split_sizes.items()),
             "files": ", ".join(files)}
    rows = [{"field": k, "value": v} for k, v in shown.items() if v is not None]
    out.print(metrics_table(f"run {run_dir}", rows, ["field", "value"]))
