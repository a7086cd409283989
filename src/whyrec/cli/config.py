"""``whyrec config show``: the option values a command takes from ``whyrec.toml``, and where each comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from whyrec.cli import config_file
from whyrec.cli.common import JsonOpt
from whyrec.cli.output import out, print_json
from whyrec.errors import ConfigError

app = typer.Typer(help="Show the option values a command takes from whyrec.toml and where each comes from.",
                  no_args_is_help=True, add_completion=False)


def _command_at(names: tuple[str, ...]) -> Any:
    from whyrec.cli.main import COMMANDS, load_command

    if names[0] not in COMMANDS:
        raise ConfigError(f"unknown command {names[0]!r}; valid commands: {', '.join(COMMANDS)}.", field="command",
                          allowed=tuple(COMMANDS))
    command = load_command(names[0])
    for depth, name in enumerate(names[1:], start=1):
        subcommands = command.commands if isinstance(command, TyperGroup) else {}
        if name not in subcommands:
            raise ConfigError(f"`whyrec {' '.join(names[:depth])}` has no command {name!r}; valid: "
                              f"{', '.join(subcommands) or 'none'}.", field="command", allowed=tuple(subcommands))
        command = subcommands[name]
    return command


def _leaf_tables(document: dict[str, Any], names: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The command tables of a config file (``[data.info]`` as ``("data", "info")``)."""
    found: list[tuple[str, ...]] = []
    for key, value in document.items():
        if not isinstance(value, dict):
            continue
        command = _command_at((*names, key))
        if isinstance(command, TyperGroup):
            found.extend(_leaf_tables({k: v for k, v in value.items() if k in command.commands}, (*names, key)))
        else:
            found.append((*names, key))
    return found


def _rows(names: tuple[str, ...], path: Path | None, document: dict[str, Any]) -> list[dict[str, Any]]:
    command = _command_at(names)
    if isinstance(command, TyperGroup):
        raise ConfigError(f"`whyrec {' '.join(names)}` is a group; name one of its commands: "
                          f"{', '.join(command.commands)}.", field="command", allowed=tuple(command.commands))
    table = config_file.table_of(document, names)
    values = config_file.default_map(command, table, names=names, path=path or Path(config_file.CONFIG_NAME))
    rows = []
    for param in command.params:
        if param.name is None or param.name not in config_file.option_keys(command):
            continue
        from_file = param.name in values
        rows.append({"command": " ".join(names), "option": config_file.display_key(param),
                     "value": values[param.name] if from_file else param.default,
                     "source": f"{path} [{'.'.join(names)}]" if from_file else "flag default"})
    setting = config_file.settings_table(names)
    if setting is not None:
        rows.extend(_settings_rows(names, setting, config_file.table_of(document, (*names, setting)), path))
    return rows


def _settings_rows(names: tuple[str, ...], setting: str, table: dict[str, Any],
                   path: Path | None) -> list[dict[str, Any]]:
    """The service settings: ``WHYREC_*`` variables over the file's settings table over the defaults."""
    import os

    from whyrec.serve.settings import ENV_PREFIX, ServeSettings

    where = f"{path} [{'.'.join((*names, setting))}]"
    ServeSettings.from_env(file=table, file_source=where, run_dir=Path("."))  # refuses what serve would refuse
    rows = []
    for name, info in ServeSettings.model_fields.items():
        if name == "run_dir":
            continue  # the command's RUN_DIR argument
        env = os.environ.get(ENV_PREFIX + name.upper())
        value, source = (env, ENV_PREFIX + name.upper()) if env else \
            (table[name], where) if name in table else (info.default, "default")
        if value is not None and "SecretStr" in str(info.annotation):
            value = "********"
        rows.append({"command": " ".join(names), "option": f"{setting}.{name}", "value": value, "source": source})
    return rows


@app.command("show")
def show(
    ctx: typer.Context,
    command: Annotated[list[str] | None, typer.Argument(help="The command (e.g. train, serve, data info); "
                                                             "default: every command the file has a table for.")]
    = None,
    json_output: JsonOpt = False,
) -> None:
    """Print the values COMMAND takes: from the config file, else the flag's default (flags typed on the command
    line override both)."""
    from whyrec.cli.main import COMMANDS

    active = config_file.active(ctx)
    path = active.path if active is not None else config_file.locate()
    document = active.document if active is not None else config_file.read(path, COMMANDS) if path else {}
    if command:
        commands = [tuple(command)]
    elif path is None:
        raise ConfigError(f"no config file: no ./{config_file.CONFIG_NAME} here and neither --config nor "
                          f"{config_file.ENV_VAR} given. Name a COMMAND to see its defaults.", field="config")
    else:
        commands = _leaf_tables(document)
    rows = [row for names in commands for row in _rows(names, path, document)]
    if json_output:
        print_json({"config": str(path) if path else None, "options": rows})
        return
    table = Table(title=f"config file: {escape(str(path)) if path else 'none'}", title_justify="left")
    for column in ("command", "option", "value", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(Text(row["command"]), Text(row["option"]), Text(repr(row["value"])), Text(row["source"]))
    out.print(table)
