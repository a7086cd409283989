"""The ``whyrec`` command: Typer app plus the error boundary.

Errors that whyrec raises on purpose (bad data, bad arguments) print one line on stderr and exit with
status 2; ``--debug`` (or ``WHYREC_DEBUG=1``) shows the traceback instead.

Commands are imported when they run (or show their own help): ``whyrec --help`` and ``whyrec --version``
load none of them, so they start without pandas, scikit-learn or torch. `COMMANDS` lists each command's
module and the one-line summary ``whyrec --help`` shows (a test checks it against the command's docstring).
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any, NamedTuple

import typer
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

from whyrec import __version__, progress
from whyrec.cli import config_file, output
from whyrec.errors import UnsupportedModelError, WhyrecError

__all__ = ["COMMANDS", "app", "load_command", "main"]


class Command(NamedTuple):
    """Where a command lives and how ``whyrec --help`` sums it up."""

    target: str  # "module:attribute": a command function or a Typer app of subcommands
    summary: str


#: The commands, in the order ``whyrec --help`` lists them.
COMMANDS: dict[str, Command] = {
    "train": Command("whyrec.cli.train:train", "Split the data (PROTOCOL.md by default), choose hyperparameters "
                                              "on valid (--tune), fit on train + valid, evaluate on test, save "
                                              "the run."),
    "evaluate": Command("whyrec.cli.evaluate:evaluate_run",
                        "Score the run's test part with full ranking (PROTOCOL.md metrics)."),
    "recommend": Command("whyrec.cli.recommend:recommend",
                         "Top-k items for one user, for any list of items, or for every test user."),
    "compare": Command("whyrec.cli.compare:compare", "Evaluate runs on the same test users and test each against "
                                                    "the first (Wilcoxon, paired t-test)."),
    "explain": Command("whyrec.cli.explain:explain", "Explain each recommended item: a reason, evidence with "
                                                    "weights, a verified counterfactual and trust."),
    "explain-eval": Command("whyrec.cli.explain:explain_eval", "Measure every explanation method on the same "
                                                              "pairs: deletion, insertion, sufficiency, validity, "
                                                              "speed."),
    "serve": Command("whyrec.cli.serve:serve", "Serve recommendations, explanations and live feedback over HTTP "
                                              "(see docs/concepts/service.md)."),
    "report": Command("whyrec.cli.report:report", "Write one self-contained HTML report of a folder of runs (charts "
                                                "and data embedded, no network)."),
    "calibrate": Command("whyrec.cli.calibrate:calibrate_run", "Fit confidence = P(relevant | rank, history size) "
                                                              "on validation (model refitted on train); print "
                                                              "test ECE."),
    "tune": Command("whyrec.cli.tune:tune_model", "Tune on validation (Optuna TPE; test unseen), refit the best on "
                                                 "train + valid, evaluate, save the run."),
    "spark": Command("whyrec.cli.spark:app", "Train ALS with Spark MLlib; evaluate, recommend and explain over user "
                                              "partitions on Spark."),
    "run": Command("whyrec.cli.run:app", "Look after run directories: show what a run holds, upgrade old runs."),
    "events": Command("whyrec.cli.events:app", "The service's stored events: export them for the next training."),
    "data": Command("whyrec.cli.data:app", "Inspect and validate data."),
    "llm": Command("whyrec.cli.llm:app", "The LLM that rewrites explanations: serve the local model, or ask a "
                                        "server."),
    "config": Command("whyrec.cli.config:app", "Show the option values a command takes from whyrec.toml and "
                                              "where each comes from."),
}

_QUIET_HELP = "No progress bars or stage lines (warnings and errors still show)."
_UNSUPPORTED_HINT = "Choose another with --method (`whyrec explain --help` lists them)."


def load_command(name: str) -> Any:
    """The Click command (or group) of ``whyrec NAME``, built by Typer from the command's module; every command
    in it takes ``--config FILE`` (`whyrec.cli.config_file`)."""
    module, _, attribute = COMMANDS[name].target.partition(":")
    target = getattr(importlib.import_module(module), attribute)
    command: Any
    if isinstance(target, typer.Typer):
        command = typer.main.get_group(target)
        command.name = name
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    _add_options(command)
    return command


def _add_options(command: Any) -> None:
    """Every command takes ``--config FILE`` and ``-q/--quiet`` (after the command as well as before it)."""
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            _add_options(sub)
    else:
        command.params.append(config_file.command_option())
        _add_quiet(command)


def _quiet(value: bool) -> None:
    if value:
        output.install_progress(quiet=True)


def _quiet_option() -> Any:
    """A ``-q/--quiet`` option built by Typer (from a probe command) that any command can take."""
    probe = typer.Typer(add_completion=False)

    @probe.command()
    def _probe(quiet: Annotated[bool, typer.Option("--quiet", "-q", help=_QUIET_HELP, callback=_quiet,
                                                  expose_value=False)] = False) -> None: ...

    return typer.main.get_command(probe).params[0]


def _add_quiet(command: Any) -> Any:
    """Give `command` its own ``-q/--quiet`` (``whyrec train -q`` as well as ``whyrec -q train``)."""
    if not any(p.name == "quiet" for p in command.params):
        command.params.append(_quiet_option())
    return command


class _LazyGroup(TyperGroup):
    """Lists every command from `COMMANDS` and imports one only when it is resolved to run."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, command in COMMANDS.items():
            self.add_command(TyperCommand(name=name, help=command.summary))  # a placeholder, enough for listings

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is None:
            return name, command, rest
        command = load_command(name)
        config_file.use(ctx, command, (name,), config_file.locate(ctx.params.get("config")))
        return name, command, rest


app = typer.Typer(name="whyrec", help="Explainable product recommendation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False, cls=_LazyGroup)


def _version(value: bool) -> None:
    if value:
        output.out.print(f"whyrec {__version__}")
        raise typer.Exit()


@app.callback()
def _setup(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log stage timings.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=_QUIET_HELP)] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
    config: Annotated[Path | None, typer.Option("--config", metavar="FILE", envvar=config_file.ENV_VAR,
                                                help="TOML file of option values for the command (default: "
                                                     f"./{config_file.CONFIG_NAME} when there is one).")] = None,
) -> None:
    """Global options."""
    from rich.logging import RichHandler

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=output.err, show_path=False)], force=True)
    output.install_progress(quiet)
    ctx.call_on_close(lambda: progress.set_reporter(None))  # progress is the command's, not the process's


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    output.err.print(f"[yellow]warning:[/yellow] {message}")


def main() -> None:
    """Console entry point."""
    debug = "--debug" in sys.argv or os.environ.get("WHYREC_DEBUG") == "1"
    warnings.showwarning = _show_warning
    warnings.filterwarnings("ignore", module="implicit")
    try:
        app()
    except (WhyrecError, OSError) as e:
        if debug:
            raise
        hint = f" {_UNSUPPORTED_HINT}" if isinstance(e, UnsupportedModelError) else ""
        output.err.print(f"[red]error:[/red] {escape(str(e))}{hint}", soft_wrap=True)  # "[train]" is no markup
        sys.exit(2)


if __name__ == "__main__":
    main()
