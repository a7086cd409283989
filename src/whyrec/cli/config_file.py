"""``whyrec.toml``: set any option of any command from a file.

The file holds one table per command, keyed by the command's long option names without the dashes
(``--max-minutes`` is ``max-minutes`` or ``max_minutes``; an argument such as serve's ``RUN_DIR`` is
``run_dir``); a group's commands are nested tables (``[data.info]``). The command's table becomes Click's
``default_map``, so the precedence is Click's own: flag defaults < the file < flags on the command line.
Nothing here knows a single option: a new flag can be set from the file as soon as it exists.

Which file: ``--config FILE`` (before or after the command name), else ``WHYREC_CONFIG``, else ``whyrec.toml``
in the current directory when there is one. ``[serve.settings]`` holds service settings that have no flag
(`whyrec.serve.settings.ServeSettings` fields); ``whyrec serve`` reads it below ``WHYREC_*`` variables.
"""

from __future__ import annotations

import importlib
import json
import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from whyrec.errors import ConfigError

__all__ = ["CONFIG_NAME", "ENV_VAR", "SETTINGS_TABLES", "ActiveConfig", "active", "command_option", "default_map",
           "display_key", "locate", "option_keys", "read",
           "settings_table", "table_of", "use"]

CONFIG_NAME = "whyrec.toml"
ENV_VAR = "WHYREC_CONFIG"
#: Tables a command reads itself instead of mapping them onto its options: command -> (table, the class whose
#: ``check_keys(table, source)`` checks it, imported only when the table is there).
SETTINGS_TABLES: dict[tuple[str, ...], tuple[str, str]] = {
    ("serve",): ("settings", "whyrec.serve.settings:ServeSettings"),
}
_META_KEY = "whyrec.config"
_SKIPPED = {"help", "config"}

Command = TyperCommand | TyperGroup


@dataclass(frozen=True)
class ActiveConfig:
    """The file the running command read its defaults from.

    Attributes:
        path: the file.
        document: its whole content.
        table: the command's table name (``serve``, ``data.info``).
        settings: the command's settings table (``[serve.settings]``), empty when absent.
    """

    path: Path
    document: dict[str, Any]
    table: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """``whyrec.toml [train]``: where the command's values come from, as messages name it."""
        return f"{self.path} [{self.table}]"


def locate(explicit: Path | None = None) -> Path | None:
    """The config file to read: `explicit`, else ``$WHYREC_CONFIG``, else ``./whyrec.toml`` if it exists."""
    if explicit is not None:
        return explicit
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    default = Path(CONFIG_NAME)
    return default if default.is_file() else None


def read(path: Path, commands: Iterable[str]) -> dict[str, Any]:
    """The parsed file, its top level checked: only tables named after `commands`.

    Raises:
        ConfigError: the file is missing, not TOML, or has a key that is not a command's table.
    """
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file. Give an existing file to --config (or {ENV_VAR}).",
                          source=str(path), field="config") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not a valid TOML file ({e}).", source=str(path), field="config") from None
    names = sorted(commands)
    for key, value in document.items():
        if key not in names or not isinstance(value, dict):
            what = "a value outside any table" if not isinstance(value, dict) else "no such command"
            raise ConfigError(f"{path}: key {key!r}: {what}; the top level holds one table per command: "
                              f"{', '.join(f'[{n}]' for n in names)}.", source=str(path), field=key,
                              allowed=tuple(names))
    return document


def option_keys(command: Command) -> dict[str, str]:
    """Every key that sets an option of `command` (dashes as underscores) -> the option's parameter name."""
    keys: dict[str, str] = {}
    for param in command.params:
        if param.name is None or param.name in _SKIPPED or not param.expose_value:
            continue
        keys[param.name] = param.name
        for opt in param.opts:
            if opt.startswith("--"):
                keys[opt[2:].replace("-", "_")] = param.name
    return keys


def display_key(param: Any) -> str:
    """The key the docs and messages use for a parameter: its first long flag without dashes, else its name."""
    longs = [opt[2:] for opt in param.opts if opt.startswith("--")]
    return longs[0] if longs else str(param.name)


def settings_table(names: tuple[str, ...]) -> str | None:
    """The name of the settings table of the command at `names` (``settings`` for serve), if it has one."""
    entry = SETTINGS_TABLES.get(names)
    return entry[0] if entry else None


def table_of(document: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The (possibly empty) table at `names` (``("data", "info")`` is ``[data.info]``)."""
    table: Any = document
    for name in names:
        table = table.get(name, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}


def default_map(command: Command, table: dict[str, Any], *, names: tuple[str, ...], path: Path) -> dict[str, Any]:
    """`table` as Click's ``default_map`` for `command` (nested for a group).

    Raises:
        ConfigError: a key is not an option of the command (the message lists the valid keys).
    """
    keys = option_keys(command)
    params = {p.name: p for p in command.params}
    subcommands = command.commands if isinstance(command, TyperGroup) else {}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in subcommands and isinstance(value, dict):
            values[key] = default_map(subcommands[key], value, names=(*names, key), path=path)  # type: ignore[arg-type]
            continue
        if settings_table(names) == key and isinstance(value, dict):
            continue  # read by the command itself
        name = keys.get(key.replace("-", "_"))
        if name is None:
            valid = sorted({display_key(params[n]) for n in keys.values()})
            extra = [f"[{'.'.join(names)}.{s}]" for s in subcommands]
            if (setting := settings_table(names)) is not None:
                extra.append(f"[{'.'.join(names)}.{setting}]")
            raise ConfigError(f"{path} [{'.'.join(names)}]: unknown key {key!r}; valid keys: "
                              f"{', '.join(valid + extra) or 'none'}.", source=str(path), field=key,
                              allowed=tuple(valid))
        values[name] = _option_value(params[name], value)
    return values


def _option_value(param: Any, value: Any) -> Any:
    """A TOML value as the option takes it: a table for a repeatable ``name=value`` option (``--param``) becomes
    ``["name=<json>", ...]``, a single value of a repeatable option a one-item list."""
    if getattr(param, "multiple", False):
        if isinstance(value, dict):
            return [f"{k}={json.dumps(v)}" for k, v in value.items()]
        return value if isinstance(value, list) else [value]
    return value


def use(ctx: typer.Context, command: Command, names: tuple[str, ...], path: Path | None) -> None:
    """Read `path` (None: nothing to read) and make its table for `names` the defaults of `command`'s options.

    `ctx` is the context the command runs in (``names[-1]``) or the root one (a ``{name: table}`` map).
    """
    if path is None:
        return
    from whyrec.cli.main import COMMANDS

    document = read(path, COMMANDS)
    values = default_map(command, table_of(document, names), names=names, path=path)
    setting = settings_table(names)
    settings = table_of(document, (*names, setting)) if setting else {}
    if settings:
        module, _, name = SETTINGS_TABLES[names][1].partition(":")
        getattr(importlib.import_module(module), name).check_keys(settings, f"{path} [{'.'.join(names)}.{setting}]")
    ctx.default_map = values if ctx.parent is not None else {names[0]: values}  # the command's own, or the root
    ctx.meta[_META_KEY] = ActiveConfig(path=path, document=document, table=".".join(names), settings=settings)


def active(ctx: typer.Context) -> ActiveConfig | None:
    """The config file the running command read, if any."""
    found = ctx.meta.get(_META_KEY)
    return found if isinstance(found, ActiveConfig) else None


def _names(ctx: typer.Context) -> tuple[str, ...]:
    names: list[str] = []
    while ctx.parent is not None:
        names.insert(0, str(ctx.info_name))
        ctx = ctx.parent  # type: ignore[assignment]
    return tuple(names)


def _from_flag(ctx: typer.Context, value: Path | None) -> None:
    if value is not None:
        use(ctx, ctx.command, _names(ctx), value)  # type: ignore[arg-type]


def _holder(
    config: Annotated[Path | None, typer.Option(
        "--config", metavar="FILE", is_eager=True, expose_value=False, callback=_from_flag,
        help=f"TOML file of option values (default: ${ENV_VAR}, else ./{CONFIG_NAME}; see "
             "docs/concepts/config.md).")] = None,
) -> None:
    """Carries the ``--config`` option that `command_option` hands out."""


def command_option() -> Any:
    """A new ``--config FILE`` option for one command (Click parameters are not shared between commands)."""
    holder = typer.Typer(add_completion=False)
    holder.command()(_holder)
    return typer.main.get_command(holder).params[0]
