"""``whyrec events``: the service's stored events, exported for the next training."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from whyrec.cli.common import JsonOpt
from whyrec.cli.output import out, print_json

__all__ = ["app"]

app = typer.Typer(help="The service's stored events: export them for the next training.", no_args_is_help=True,
                  add_completion=False)


@app.command("export")
def export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV to write: user_id,item_id,event,value,timestamp "
                                                         "(epoch seconds), readable by `whyrec train --data`.")],
    db: Annotated[str | None, typer.Option("--db", help="The service's event store (as `whyrec serve --db`). "
                                                        "Default: WHYREC_DB_URL, else the SQLite file in the "
                                                        "user data folder.")] = None,
    unknown_to: Annotated[Path | None, typer.Option("--unknown-to", help="Only events on items this run does "
                                                                         "not know (those stored, not applied).")]
    = None,
    json_output: JsonOpt = False,
) -> None:
    """Write every event posted to the service (applied and stored ones; not_interested excluded) as a CSV."""
    import os

    from whyrec.runs import load_run
    from whyrec.serve.storage import NOT_INTERESTED, Storage

    known = load_run(unknown_to).fit_data.items if unknown_to is not None else None
    rows = 0
    with Storage.open(db or os.environ.get("WHYREC_DB_URL") or None) as storage, \
            open(out_file, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["user_id", "item_id", "event", "value", "timestamp"])
        for event in storage.all_events():
            if event.event_type == NOT_INTERESTED or (known is not None and event.item_id in known):
                continue
            writer.writerow([event.user_id, event.item_id, event.event_type,
                             "" if event.value is None else repr(event.value), int(event.timestamp.timestamp())])
            rows += 1
    if json_output:
        print_json({"out": str(out_file), "events": rows})
    else:
        out.print(f"wrote {rows:,} events to {out_file}")
