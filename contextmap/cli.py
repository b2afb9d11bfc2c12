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


@app.command("analyze")
def analyze_cmd(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Write summary.json and the CSV tables here.")],
    from_: Annotated[str | None, typer.Option("--from", help="First day of the period (default: 12 months before --to).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the period (default: the latest date in the data).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML (risk cadence, panel rules, weights).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for community detection and sampled betweenness.")] = 0,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    resolve: Annotated[bool, typer.Option("--resolve/--no-resolve", help="Resolve persons and places into entities first.")] = True,
    decisions: Annotated[Path | None, typer.Option("--decisions", help="Analyst's merge / keep-apart decisions file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace files an earlier run wrote.")] = False,
) -> None:
    """Find peer groups, persons of concern, hotspots and flags for a period.

    Writes summary.json (period, peer_groups, hotspots, persons_of_concern, flags) and CSV
    tables into OUT. Exit status: 0 done, 2 the input or configuration cannot be used.
    """
    from contextmap.analysis import analyze
    from contextmap.ingest import load
    from contextmap.settings import load_settings

    try:
        cfg = load_settings(config)
        with console.status("Reading the dataset...", spinner="dots") as status:
            ds = load(path, mapping=mapping)
            result = analyze(ds, start=from_, end=to, settings=cfg, seed=seed, resolve=resolve,
                             decisions=decisions,
                             progress=lambda name: status.update(f"{name[:1].upper()}{name[1:]}..."))
            result.write(out, overwrite=overwrite)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    s = result.summary()
    console.print(f"Period {s['period']['start']} to {s['period']['end']}"
                  f"{' (persons and places resolved)' if result.resolved else ''}", highlight=False, markup=False)
    console.print(f"  {len(s['peer_groups'])} peer groups, {len(s['persons_of_concern'])} persons of concern, "
                  f"{len(s['hotspots'])} locations ranked, {len(s['flags'])} flags", highlight=False, markup=False)
    for h in s["hotspots"][:3]:
        console.print(f"  hotspot {h['rank']}: {h['location_id']} (score {h['score']:.2f}, {h['trend']})",
                      highlight=False, markup=False)
    for p in s["persons_of_concern"][:3]:
        console.print(f"  person {p['rank']}: {p['person_id']} reaches {p['children_reached']} children",
                      highlight=False, markup=False)
    console.print(f"Wrote {out}", highlight=False, markup=False)


def main() -> None:
    """Entry point for the ``contextmap`` console script."""
    try:
        app()
    except ContextMapError as exc:  # last resort: never a traceback for an expected error
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        sys.exit(2)


# Silence "imported but unused" until subcommands use them.
_ = (Path, Optional)
