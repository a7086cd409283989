"""``whyrec serve``: the REST service under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.output import out
from whyrec.errors import ConfigError


def serve(
    run_dir: Annotated[Path, typer.Argument(help="A run directory made by `whyrec train`.")],
    db: Annotated[str | None, typer.Option("--db", help="Event store: a SQLAlchemy URL (sqlite:///events.sqlite3, "
                                                        "postgresql://user@host/db) or a SQLite file path. "
                                                        "Default: WHYREC_DB_URL, else a SQLite file in the "
                                                        "user data folder.")] = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Worker processes (they share the "
                                                                          "store, so any worker answers any "
                                                                          "user).")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn log level.")] = "info",
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request.")] = True,
) -> None:
    """Serve recommendations, explanations and live feedback over HTTP (see docs/concepts/service.md).

    Admin routes (POST /v1/admin/reload) need WHYREC_ADMIN_TOKEN in the environment; other settings are read
    from WHYREC_* variables too (WHYREC_MAX_BATCH, WHYREC_CACHE_USERS, ...).
    """
    import os

    import uvicorn

    from whyrec.runs import load_run
    from whyrec.serve.app import create_app
    from whyrec.serve.lifecycle import publish_run
    from whyrec.serve.settings import ServeSettings
    from whyrec.serve.storage import Storage

    load_run(run_dir)  # a wrong folder fails here, with the CLI's one-line error, before any worker starts
    settings = ServeSettings.from_env(run_dir=run_dir.resolve(), db_url=db)
    if log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
        raise ConfigError(f"--log-level {log_level!r}: expected critical, error, warning, info, debug or trace.",
                          source="--log-level", field="log_level")
    out.print(f"serving {run_dir} at http://{host}:{port}/v1 - try http://{host}:{port}/v1/users/196/recommendations"
              f"?explain=true (API docs: http://{host}:{port}/docs); Ctrl+C stops", soft_wrap=True)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, access_log=access_log)
        return
    # several processes: publish the run once here, and let each worker build its app from the environment
    with Storage.open(settings.db_url) as storage:
        publish_run(storage, settings.run_dir)
    os.environ.update(settings.model_copy(update={"publish_run": False}).to_env())
    uvicorn.run("whyrec.serve.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, access_log=access_log)
