"""``whyrec data info|validate``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from whyrec.cli.common import (
    CatalogOpt,
    DropInvalidOpt,
    DropUnknownOpt,
    EncodingOpt,
    ItemColumnOpt,
    JsonOpt,
    ListSeparatorOpt,
    RatingColumnOpt,
    TimeColumnOpt,
    TimeUnitOpt,
    UserColumnOpt,
    UsersOpt,
    ValueColumnOpt,
    column_settings,
    data_source,
    load_source,
)
from whyrec.cli.output import out, print_json

app = typer.Typer(help="Inspect and validate data.", no_args_is_help=True)

DataArg = Annotated[str, typer.Argument(help="An interactions file (CSV, Parquet, JSONL), a folder of train/valid/"
                                             "test files, or a built-in name (ml-100k, synthetic).")]


@app.command()
def info(data: DataArg, catalog: CatalogOpt = None, users: UsersOpt = None, encoding: EncodingOpt = "utf-8",
         json_output: JsonOpt = False, user_column: UserColumnOpt = None, item_column: ItemColumnOpt = None,
         time_column: TimeColumnOpt = None, value_column: ValueColumnOpt = None,
         rating_column: RatingColumnOpt = None, time_unit: TimeUnitOpt = None,
         list_separator: ListSeparatorOpt = None) -> None:
    """Counts, time span, event kinds and attributes of a dataset."""
    columns = column_settings(user_column, item_column, time_column, value_column, rating_column, time_unit,
                              list_separator)
    dataset, report = load_source(data_source(data, catalog, users, encoding=encoding, columns=columns))
    summary = dataset.summary()
    if json_output:
        print_json({**summary, "cleaning": report.to_dict()})
        return
    table = Table(title=f"dataset {dataset.name}", title_justify="left", show_header=False)
    for key, value in summary.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, int):
            value = f"{value:,}"
        table.add_row(key.replace("_", " "), str(value))
    out.print(table)


@app.command()
def validate(data: DataArg, catalog: CatalogOpt = None, users: UsersOpt = None, drop_invalid: DropInvalidOpt = False,
             drop_unknown_items: DropUnknownOpt = False, encoding: EncodingOpt = "utf-8",
             json_output: JsonOpt = False, user_column: UserColumnOpt = None, item_column: ItemColumnOpt = None,
             time_column: TimeColumnOpt = None, value_column: ValueColumnOpt = None,
             rating_column: RatingColumnOpt = None, time_unit: TimeUnitOpt = None,
             list_separator: ListSeparatorOpt = None) -> None:
    """Check a dataset: the first bad row stops it (or --drop-invalid reports what would be dropped)."""
    columns = column_settings(user_column, item_column, time_column, value_column, rating_column, time_unit,
                              list_separator)
    dataset, report = load_source(data_source(data, catalog, users, drop_invalid, drop_unknown_items,
                                              encoding=encoding, columns=columns))
    if json_output:
        print_json({"valid": True, "name": dataset.name, "cleaning": report.to_dict(),
                    "fingerprint": dataset.fingerprint})
        return
    out.print(f"[green]ok[/green] {dataset.name}: {len(dataset.events):,} events, {len(dataset.active_users):,} users, "
              f"{dataset.n_items:,} items")
    for line in report.lines():
        out.print(f"  {line}")
