"""``whyrec serve``: the REST service under uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from whyrec.cli import config_file
from whyrec.cli.output import out
from whyrec.errors import ConfigError


def serve(
    ctx: typer.Context,
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
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log", help="Log every request (user ids "
                                                                              "as keyed hashes).")] = True,
    auth: Annotated[bool | None, typer.Option("--auth/--no-auth", help="Require an API key or shopper token on "
                                                                     "every route but /healthz and /readyz. "
                                                                     "Default: on for every host but loopback; "
                                                                     "--no-auth only behind a gateway that "
                                                                     "authenticates.")] = None,
    runs: Annotated[Path | None, typer.Option("--runs", help="The folder of runs the analyst view (/analyst) "
                                                             "reports on. Default: RUN_DIR's parent folder.")] = None,
    publish: Annotated[bool, typer.Option("--publish", help="Make RUN_DIR the active run of the database even "
                                                            "when it serves another run (every server on it "
                                                            "switches).")] = False,
) -> None:
    """Serve recommendations, explanations and live feedback over HTTP (see docs/concepts/service.md).

    Admin routes (POST /v1/admin/reload) need an admin key (WHYREC_ADMIN_TOKEN, or WHYREC_API_KEYS_FILE); on a
    host other than loopback every route needs a key (see docs/concepts/security.md). Other settings are read
    from WHYREC_* variables too (WHYREC_MAX_BATCH, WHYREC_CACHE_USERS, ...), and from the [serve.settings] table of
    whyrec.toml (below the variables; docs/concepts/config.md).
    """
    import inspect
    import ipaddress
    import os
    import shutil
    import tempfile
    import zipfile
    from urllib.parse import quote

    import uvicorn

    from whyrec.runs import load_run
    from whyrec.serve.app import create_app
    from whyrec.serve.guard import Guard
    from whyrec.serve.lifecycle import publish_run
    from whyrec.serve.run_copies import RunCopies
    from whyrec.serve.served_run import run_hash
    from whyrec.serve.settings import ServeSettings
    from whyrec.serve.storage import Storage

    try:  # a wrong folder or missing data fails here, with the CLI's one-line error, before any worker starts
        fit = load_run(run_dir).fit_data
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:  # truncated or foreign files
        raise ConfigError(f"{run_dir}: cannot load the run ({type(e).__name__}: {e}). Give a run directory made "
                          "by `whyrec train --out DIR`.", source=str(run_dir), field="run_dir") from None
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    config = config_file.active(ctx)
    settings = ServeSettings.from_env(file=config.settings if config else None,
                                      file_source=f"{config.path} [serve.settings]" if config else "config file",
                                      run_dir=run_dir.resolve(), db_url=db, auth=auth if auth is not None else
                                      (None if loopback else True), switch_run=publish or None,
                                      access_log=access_log, runs_dir=runs.resolve() if runs else None)
    Guard(settings)  # authentication on without a key: refuse here, with the CLI's one-line error
    if not loopback and not settings.auth:
        out.print(f"warning: serving {host} without authentication (--no-auth): anyone who reaches the port can "
                  "read, change and erase every user. Put an authenticating gateway in front.", soft_wrap=True)
    if log_level not in ("critical", "error", "warning", "info", "debug", "trace"):
        raise ConfigError(f"--log-level {log_level!r}: expected critical, error, warning, info, debug or trace.",
                          source="--log-level", field="log_level")
    example = fit.users.id_of(int(fit.active_users[0])) if len(fit.active_users) else "USER"  # a user of the run
    out.print(f"serving {run_dir} at http://{host}:{port}/v1 - try http://{host}:{port}/v1/users/{quote(example)}/"
              f"recommendations?explain=true (API docs: http://{host}:{port}/docs; analyst view: "
              f"http://{host}:{port}/analyst); Ctrl+C stops", soft_wrap=True)
    out.print(f"shopper view: http://{host}:{port}/", soft_wrap=True)
    del fit
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, access_log=False)
        return
    # several processes: publish the run once here, and let each worker build its app from the environment
    with Storage.open(settings.db_url) as storage:
        publish_run(storage, settings.run_dir, switch=settings.switch_run)
    # a private copy of the run, so a worker restarted after the folder was deleted or overwritten still loads it
    copies = Path(tempfile.mkdtemp(prefix="whyrec-serve-runs-"))
    RunCopies(copies).keep(settings.run_dir, run_hash(settings.run_dir))
    os.environ.update(settings.model_copy(update={"publish_run": False, "run_copies_dir": copies}).to_env())
    # A worker process re-imports the CLI before it can answer uvicorn's health ping (5 s by default): on a
    # loaded machine that takes longer, and the supervisor would kill and restart workers for ever.
    patience: dict[str, Any] = {"timeout_worker_healthcheck": 120} if "timeout_worker_healthcheck" in \
        inspect.signature(uvicorn.run).parameters else {}
    try:
        uvicorn.run("whyrec.serve.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, access_log=False, **patience)  # the app logs requests, user ids hashed
    finally:
        shutil.rmtree(copies, ignore_errors=True)
