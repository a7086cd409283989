"""The ``whyrec`` command: Typer app plus the error boundary.

Errors that whyrec raises on purpose (bad data, bad arguments) print one line on stderr and exit with
status 2; ``--debug`` (or ``WHYREC_DEBUG=1``) shows the traceback instead.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Annotated

import typer
from rich.logging import RichHandler

from whyrec import __version__, progress
from whyrec.cli import data, output
from whyrec.cli.calibrate import calibrate_run
from whyrec.cli.compare import compare
from whyrec.cli.evaluate import evaluate_run
from whyrec.cli.explain import explain, explain_eval
from whyrec.cli.llm import app as llm_app
from whyrec.cli.recommend import recommend
from whyrec.cli.serve import serve
from whyrec.cli.train import train
from whyrec.cli.tune import tune_model
from whyrec.errors import WhyrecError

__all__ = ["app", "main"]

app = typer.Typer(name="whyrec", help="Explainable product recommendation.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
app.add_typer(data.app, name="data")
app.command()(train)
app.command("evaluate")(evaluate_run)
app.command()(recommend)
app.command()(compare)
app.command()(explain)
app.command("explain-eval")(explain_eval)
app.add_typer(llm_app, name="llm")
app.command()(serve)
app.command("calibrate")(calibrate_run)
app.command("tune")(tune_model)


def _version(value: bool) -> None:
    if value:
        output.out.print(f"whyrec {__version__}")
        raise typer.Exit()


@app.callback()
def _setup(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log stage timings.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    """Global options."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s",
                        handlers=[RichHandler(console=output.err, show_path=False)], force=True)
    if output.err.is_terminal:  # bars only for people; logs and CI output stay clean
        progress.set_reporter(output.RichReporter())


def _show_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> None:
    output.err.print(f"[yellow]warning:[/yellow] {message}")


def main() -> None:
    """Console entry point."""
    debug = "--debug" in sys.argv or os.environ.get("WHYREC_DEBUG") == "1"
    warnings.showwarning = _show_warning  # type: ignore[assignment]
    warnings.filterwarnings("ignore", module="implicit")
    try:
        app()
    except (WhyrecError, OSError) as e:
        if debug:
            raise
        output.err.print(f"[red]error:[/red] {e}", soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
