"""The ``contextmap`` command line.

Each subcommand is a thin layer over the Python API: it parses arguments, shows progress,
prints a short summary and maps errors to exit codes (0 clean, 1 problems found in the data,
2 input or configuration cannot be used). Tracebacks are never shown for expected errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from contextmap._errors import ContextMapError

__all__ = ["app", "main"]

app = typer.Typer(
    name="contextmap",
    help=(
        "Contextual safeguarding from missing-episode and intelligence records.\n\n"
        "Typical use: `contextmap validate DATA` to check an export, then "
        "`contextmap pack DATA --out DIR` before a MACE or mapping meeting."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=False)
err_console = Console(stderr=True)


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {exc}", markup=True, highlight=False)
    return typer.Exit(code)


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from contextmap import __version__

        console.print(f"contextmap {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Entry point for the ``contextmap`` console script."""
    try:
        app()
    except ContextMapError as exc:  # last resort: never a traceback for an expected error
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)


# Silence "imported but unused" until subcommands use them.
_ = (Path, Optional)
