"""The ``contextmap`` command line.

Each subcommand is a thin layer over the Python API: it parses arguments, shows progress,
prints a short summary and maps errors to exit codes (0 clean, 1 problems found in the data,
2 input or configuration cannot be used). Tracebacks are never shown for expected errors.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Optional, cast

import typer
from rich.console import Console

from contextmap._errors import ContextMapError
from contextmap.workspace.commands import WorkspaceOption, dataset_or_workspace, fail, terminal_text
from contextmap.workspace.commands import register as _register_workspace_commands

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
console = Console(stderr=False, emoji=False)  # ids such as "link:100:target" are data, never emoji codes
err_console = Console(stderr=True, emoji=False)


def _date(value: str | None, option: str) -> Any:
    """A date option read as the data contract reads dates: ISO or UK day-first
    (``01/11/2026`` is 1 November); anything else is a clear error (exit 2)."""
    from contextmap.dates import parse_date_option

    return parse_date_option(value, name=option)


@contextmanager
def _period_must_hold_records() -> Iterator[None]:
    """A period holding no episode and no link is an error here (exit 2, naming the period and
    the data's date range); in Python it is a warning, ``contextmap.analysis.EmptyPeriodWarning``."""
    from contextmap.analysis import EmptyPeriodWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", EmptyPeriodWarning)
        yield


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    """Print ``error: <message>`` and return the exit to raise (the one error path of every
    command, the workspace's too): the message as written, never read as markup (a value
    quoted in it, such as ``'[b]x'``, is shown as it is) and never wrapped mid-line."""
    return fail(exc, code)


PERIOD_HELP = ("For a sources manifest whose files name the {period}: the month to read, YYYY-MM "
               "(default: the latest month for which every such file is present).")
PeriodOpt = Annotated[str | None, typer.Option("--period", help=PERIOD_HELP, show_default=False)]


def _period(path: Path | None, period: str | None, workspace: str | None = None) -> str | None:
    """The month to read: --period as given (checked), or for a manifest whose files name the
    period the latest month every such file has, said on the terminal."""
    from contextmap._errors import ConfigError
    from contextmap.ingest.manifest import is_manifest, load_manifest

    if workspace is not None and period is not None:
        raise ConfigError("Expected --period with a dataset PATH (a sources manifest), instead got --workspace: "
                          "a workspace holds every month imported; give --from and --to for the meeting period")
    if path is None or not is_manifest(path) or not Path(path).is_file():
        return period  # load() says what is wrong with a period for a folder or workbook
    chosen = load_manifest(path, period=period).period
    if chosen is not None and period is None:
        console.print(f"Period {chosen}: the latest month for which every monthly file is present "
                      "(choose another with --period YYYY-MM)", highlight=False, markup=False)
    return chosen


def _input(path: Path | None, workspace: str | None, *, mapping: Path | None = None, as_of: Any = None,
           settings: Any = None, progress: bool = False, period: str | None = None) -> tuple[Any, Any]:
    """The dataset from PATH or from --workspace (or $CONTEXTMAP_WORKSPACE when no PATH is given),
    and the workspace's decisions (None for PATH)."""
    path, workspace = dataset_or_workspace(path, workspace)
    period = _period(path, period, workspace)
    if workspace is not None:
        from contextmap.workspace import open_workspace

        with open_workspace(workspace) as ws:
            return ws.dataset(), ws.decisions()
    import contextmap  # contextmap.load, looked up at call time

    assert path is not None
    kw: dict[str, Any] = {} if settings is None else {"settings": settings}
    return contextmap.load(path, mapping=mapping, as_of=as_of, progress=progress, period=period, **kw), None


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from contextmap import __version__

        console.print(f"contextmap {__version__}")
        raise typer.Exit(0)


@app.command("validate")
def validate_cmd(
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export (see docs/examples/mapping.yaml).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write problems.csv, quarantine/<table>.csv, quality.json and quality.html here (replacing this command's earlier files).")] = None,
    settings: Annotated[Path | None, typer.Option("--settings", help="Settings YAML (for the RHI timeliness window).")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Treat dates after this moment as errors (default: now), e.g. 2026-11-23.")] = None,
    show: Annotated[int, typer.Option("--show", help="How many example rows to list for each kind of problem (every row is in problems.csv).")] = 3,
    columns: Annotated[bool, typer.Option("--columns", help="Also print completeness per column.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files (children.csv, episodes.csv, ...), one .xlsx workbook, or a sources manifest (.yaml) listing files from several agencies; or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    period: PeriodOpt = None,
) -> None:
    """Check a dataset against the data contract and print its data-quality summary.

    Every row of every table is checked and every problem reported at once (file, row,
    column, value, reason). Bad rows are quarantined, never dropped.

    Exit status: 0 clean (warnings allowed), 1 rows were quarantined, 2 the input could not
    be read.
    """
    from contextmap.ingest.quality import print_problems, summarise
    from contextmap.ingest.read import write_quarantine
    from contextmap.settings import load_settings

    try:
        cfg = load_settings(settings)
        ds, _ = _input(path, workspace, mapping=mapping, as_of=_date(as_of, "--as-of"), settings=cfg, progress=True,
                       period=period)
    except (ContextMapError, ValueError) as exc:
        raise _fail(exc, 2) from None
    summary = summarise(ds, settings=cfg)
    summary.print(console, columns=columns, reasons=False)
    where = str(out / "problems.csv") if out is not None else "give --out DIR to write DIR/problems.csv"
    print_problems(ds.report.problems, console, examples=max(show, 0), where=where if len(ds.report.problems) else "")
    if out is not None:
        try:
            write_quarantine(ds, out, overwrite=True)
            summary.to_json(out / "quality.json", overwrite=True)
            summary.to_html(out / "quality.html", overwrite=True)
        except OSError as exc:
            raise _fail(exc, 2) from None
        console.print(f"Wrote problems, quarantine and quality summary to {out}", highlight=False, markup=False)
    counts = ds.report.counts
    merged = int(counts["duplicates"].sum()) if "duplicates" in counts else 0
    made = int(counts["provisional"].sum()) if "provisional" in counts else 0
    console.print(
        f"read {int(counts['read'].sum())} rows: {int(counts['accepted'].sum())} accepted, "
        f"{int(counts['quarantined'].sum())} quarantined"
        + (f", {merged} exact duplicates kept once" if merged else "")
        + (f"; {made} provisional records made from names that matched none" if made else ""),
        highlight=False,
    )
    raise typer.Exit(0 if ds.report.is_clean else 1)


@app.command("sample")
def sample_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the five CSV files and truth/ into.")],
    children: Annotated[int, typer.Option("--children", "-n", help="Number of children (about 3 episodes each).")] = 150,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives byte-identical files.")] = 0,
    months: Annotated[int | None, typer.Option("--months", help="Length of the period in months (default 12; 2 with --agencies).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last day of the period, e.g. 2026-10-31 (default: a fixed date, so output never depends on today).")] = None,
    noise: Annotated[float, typer.Option("--noise", help="Background noise relative to the default: 0 none, 2 double.")] = 1.0,
    episodes: Annotated[int | None, typer.Option("--episodes", help="Aim at about this many episodes instead of giving --children (a month with --agencies).")] = None,
    agencies: Annotated[bool, typer.Option("--agencies", help="Write a council workbook and police CSVs for each month, in their own column names with their faults, a sources.yaml, a gazetteer and truth/ (see docs/sample-data.md).")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace sample files already in --out.")] = False,
) -> None:
    """Generate a wholly fictional dataset with planted structure and its ground truth.

    Writes children.csv, persons.csv, locations.csv, episodes.csv and links.csv (the data
    contract) and truth/ (peer groups, hotspots, persons of concern, duplicate person and
    place records, RHI mentions, truth.json). With --agencies, writes instead two agencies'
    monthly exports (council/CS_export_YYYY-MM.xlsx, police/*_MonYYYY.csv), sources.yaml,
    gazetteer/ and truth/. See docs/sample-data.md.
    """
    from contextmap.files import check_new_files
    from contextmap.schema import TABLE_NAMES

    try:  # before anything is generated: the files the sample always writes
        check_new_files([out / "sources.yaml"] if agencies else [out / f"{n}.csv" for n in TABLE_NAMES],
                        overwrite=overwrite, argument="--out")
    except (ContextMapError, OSError) as exc:
        raise _fail(exc, 2) from None
    if agencies:
        _sample_agencies(out, children=children, seed=seed, months=2 if months is None else months, end=end,
                         noise=noise, episodes=episodes, overwrite=overwrite)
        return
    from contextmap.sample.generate import generate_sample

    try:
        with console.status("Generating synthetic sample...", spinner="dots"):
            end_day = _date(end, "--end")
            data = generate_sample(children=children, seed=seed, months=12 if months is None else months,
                                   end=None if end_day is None else end_day.strftime("%Y-%m-%d"),
                                   noise=noise, episodes_target=episodes)
            path = data.write(out, overwrite=overwrite)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    counts_by_table = cast(dict[str, int], data.params["counts"])
    counts = ", ".join(f"{n} {name}" for name, n in counts_by_table.items())
    console.print(f"Wrote {counts} to {path} (truth in {path / 'truth'})", highlight=False, markup=False)


def _sample_agencies(out: Path, *, children: int, seed: int, months: int, end: str | None, noise: float,
                     episodes: int | None, overwrite: bool) -> None:
    from contextmap.sample.agencies import generate_agencies

    try:
        with console.status("Generating two agencies' monthly exports...", spinner="dots"):
            end_day = _date(end, "--end")
            ex = generate_agencies(children=children, seed=seed, months=months, episodes_target=episodes, noise=noise,
                                   end=None if end_day is None else end_day.strftime("%Y-%m-%d"))
            path = ex.write(out, overwrite=overwrite)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    rows = cast(dict[str, dict[str, int]], ex.params["rows"])
    last = ex.periods[-1]
    console.print(f"Wrote {len(ex.periods)} months ({', '.join(ex.periods)}) of council and police exports to {path}: "
                  f"{rows[last]['episodes']} episode rows and {rows[last]['associations'] + rows[last]['intel_links']} "
                  f"link rows in {last}; read them with: contextmap validate {path / 'sources.yaml'}",
                  highlight=False, markup=False, soft_wrap=True)


@app.command("analyze")
def analyze_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Write summary.json and the CSV tables here.")],
    from_: Annotated[str | None, typer.Option("--from", help="First day of the period (default: 12 months before --to).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the period (default: the latest date in the data).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML (risk cadence, panel rules, weights).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for community detection and sampled betweenness.")] = 0,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    resolve: Annotated[bool, typer.Option("--resolve/--no-resolve", help="Resolve persons and places into entities first.")] = True,
    decisions: Annotated[Path | None, typer.Option("--decisions", help="Analyst's merge / keep-apart decisions file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace files an earlier run wrote.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files, one .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    areas: Annotated[Path | None, typer.Option("--areas", help="Area polygons with names (wards, beats, LSOAs): counts per area in areas.csv and summary.json.")] = None,
    period: PeriodOpt = None,
) -> None:
    """Find peer groups, persons of concern, hotspots and flags for a period.

    Writes summary.json (period, peer_groups, hotspots, persons_of_concern, flags; areas with
    --areas or areas: in the settings) and CSV tables into OUT. Exit status: 0 done, 2 the
    input or configuration cannot be used.
    """
    from contextmap.analysis import analyze
    from contextmap.settings import load_settings
    from contextmap.vocabulary import vocabulary

    try:
        cfg = load_settings(config)
        start, end = _date(from_, "--from"), _date(to, "--to")
        area_polys = _areas(areas, cfg)
        with console.status("Reading the dataset...", spinner="dots") as status, _period_must_hold_records():
            ds, ws_decisions = _input(path, workspace, mapping=mapping, settings=cfg, period=period)
            result = analyze(ds, start=start, end=end, settings=cfg, seed=seed, resolve=resolve,
                             decisions=decisions if decisions is not None else ws_decisions,
                             progress=lambda name: status.update(f"{name[:1].upper()}{name[1:]}..."))
            counts = result.area_counts(area_polys) if area_polys is not None else None
            result.write(out, overwrite=overwrite, areas=counts)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    s = result.summary()
    console.print(f"Period {s['period']['start']} to {s['period']['end']}"
                  f"{' (persons and places resolved)' if result.resolved else ''}", highlight=False, markup=False)
    console.print(f"  {len(s['peer_groups'])} peer groups, {len(s['persons_of_concern'])} persons of concern, "
                  f"{len(s['hotspots'])} locations ranked, {len(s['flags'])} flags", highlight=False, markup=False)
    for h in s["hotspots"][:3]:
        console.print(f"  hotspot {h['rank']}: {h['location_id']} (score {h['score']:.2f}; "
                      f"{vocabulary(cfg)('trends', h['trend'])})", highlight=False, markup=False)
    for p in s["persons_of_concern"][:3]:
        console.print(f"  person {p['rank']}: {p['person_id']} reaches {p['children_reached']} children",
                      highlight=False, markup=False)
    if counts is not None:
        busiest = counts.sort_values(["episodes", "area_id"], ascending=[False, True], kind="stable").head(1)
        top = "".join(f"; most episodes: {r.name} ({r.episodes})" for r in busiest.itertuples() if r.episodes)
        console.print(f"  {len(counts)} areas counted{top}", highlight=False, markup=False)
    console.print(f"Wrote {out}", highlight=False, markup=False)


def _areas(path: Path | None, cfg: Any) -> Any:
    """The area polygons of ``--areas`` or of the settings' ``areas:`` section, or None."""
    from contextmap.areas import read_areas

    ar_path = path or (Path(cfg.areas.path) if cfg.areas.path else None)
    if ar_path is None:
        return None
    return read_areas(ar_path, layer=cfg.areas.layer or None, name_column=cfg.areas.name_column or None,
                      id_column=cfg.areas.id_column or None)


def _view_audience(audience: str, config: Path | None, command: str) -> None:
    """Refuse an audience a single view would not redact for (names would reach it)."""
    from contextmap import privacy
    from contextmap._errors import ConfigError
    from contextmap.settings import load_settings

    aud = privacy.get_audience(audience, settings=load_settings(config))
    if not aud.sees_everything:
        raise ConfigError(
            f"Expected --audience to be one that sees everything (e.g. 'internal'), instead got: "
            f"{audience!r}; '{command}' does not redact. For this audience run "
            f"'contextmap pack DATA --out DIR --audience {audience}': its {command} file is redacted "
            "and checked")


def _analyse_for_view(path: Path | None, from_: str | None, to: str | None, config: Path | None,
                      mapping: Path | None, seed: int, workspace: str | None = None, period: str | None = None):
    from contextmap.analysis import analyze
    from contextmap.settings import load_settings

    cfg = load_settings(config)
    start, end = _date(from_, "--from"), _date(to, "--to")
    with console.status("Reading the dataset...", spinner="dots") as status, _period_must_hold_records():
        ds, ws_decisions = _input(path, workspace, mapping=mapping, settings=cfg, period=period)
        return analyze(ds, start=start, end=end, settings=cfg, seed=seed, decisions=ws_decisions,
                       progress=lambda name: status.update(f"{name[:1].upper()}{name[1:]}..."))


@app.command("map")
def map_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The map's HTML file.")],
    tiles: Annotated[str, typer.Option("--tiles", help="Tiles: none (no network request), osm, a URL template with {z}/{x}/{y}, wms:URL?layers=NAME, or a local folder of XYZ tiles.")] = "none",
    basemap: Annotated[Path | None, typer.Option("--basemap", help="Your own vector map data (GeoPackage, Shapefile, GeoJSON...): inlined, offline.")] = None,
    areas: Annotated[Path | None, typer.Option("--areas", help="Area polygons with names (wards, beats, LSOAs): counts and a choropleth.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day of the period.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the period.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML.")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    audience: Annotated[str, typer.Option("--audience", help="Shown in the title bar; only an audience that sees everything (use 'pack' for others).")] = "internal",
    seed: Annotated[int, typer.Option("--seed", help="Seed for community detection.")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing file.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files, one .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    period: PeriodOpt = None,
) -> None:
    """Write the hotspot map: one self-contained HTML file, offline unless --tiles is a URL."""
    from contextmap.areas import count_by_area
    from contextmap.settings import load_settings
    from contextmap.views.basemap import data_bounds, read_basemap
    from contextmap.views.maps import hotspot_map, write_map

    try:
        _view_audience(audience, config, "hotspot_map.html")
        cfg = load_settings(config)
        bm_path = basemap or (Path(cfg.basemap.path) if cfg.basemap.path else None)
        area_polys = _areas(areas, cfg)
        result = _analyse_for_view(path, from_, to, config, mapping, seed, workspace, period)
        bm = (read_basemap(bm_path, layers=list(cfg.basemap.layers) or None,
                           bounds=data_bounds(result.hotspots, margin_m=cfg.basemap.margin_m)) if bm_path else None)
        counts = count_by_area(result, area_polys) if area_polys is not None else None
        em = result.emerging()  # on the analysis' own context
        m = hotspot_map(result, tiles=tiles, audience=audience, basemap=bm, areas=counts, emerging=em)
        written = write_map(m, out, overwrite=overwrite)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    console.print(f"{len(result.hotspots)} locations mapped; wrote {written}", highlight=False, markup=False)


@app.command("network")
def network_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The network view's HTML file.")],
    png: Annotated[Path | None, typer.Option("--png", help="Also write a static PNG of the same layout.")] = None,
    svg: Annotated[Path | None, typer.Option("--svg", help="Also write a static SVG of the same layout.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day of the period.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the period.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML.")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    audience: Annotated[str, typer.Option("--audience", help="Shown in the title bar; only an audience that sees everything (use 'pack' for others).")] = "internal",
    seed: Annotated[int, typer.Option("--seed", help="Seed for community detection and the layout.")] = 0,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing files.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files, one .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    period: PeriodOpt = None,
) -> None:
    """Write the peer-network view (self-contained HTML), optionally PNG/SVG renderings."""
    from contextmap.views.network import network_view

    try:
        _view_audience(audience, config, "network.html")
        result = _analyse_for_view(path, from_, to, config, mapping, seed, workspace, period)
        view = network_view(result, audience=audience, layout_seed=seed)
        written = [view.to_html(out, overwrite=overwrite)]
        if png is not None:
            written.append(view.to_png(png, overwrite=overwrite))
        if svg is not None:
            written.append(view.to_svg(svg, overwrite=overwrite))
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    console.print(f"{len(view.nodes)} entities, {len(view.edges)} links"
                  f"{f' ({view.hidden_e_edges} E-graded not shown)' if view.hidden_e_edges else ''}; "
                  f"wrote {', '.join(map(str, written))}", highlight=False, markup=False)


@app.command("resolve")
def resolve_cmd(
    out: Annotated[Path, typer.Option("--out", help="CSV to write: record_id, entity_id, confidence.")],
    decisions: Annotated[Path | None, typer.Option("--decisions", help="Decisions file: 'merge A B' / 'keep apart A B' lines.")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Match probability to join records (default 0.5).")] = None,
    pairs: Annotated[bool, typer.Option("--pairs", help="Also write OUT-pairs.csv: every scored pair with its explanation.")] = False,
    include_children: Annotated[bool, typer.Option("--children", help="Also resolve children's records among themselves (two ids of one child); person records are always matched to children.")] = False,
    engine: Annotated[str, typer.Option("--engine", help="Score person pairs with Splink on 'duckdb' (default) or 'spark', or 'fixed' weights.")] = "duckdb",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace existing output files.")] = False,
    path: Annotated[Path | None, typer.Argument(help="Dataset folder of CSV files, an .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    period: PeriodOpt = None,
) -> None:
    """Resolve person and location records into entities (persons of concern and places)."""
    from contextmap.resolve.dataset import (
        Resolution,
        link_mentions,
        resolve_locations,
        resolve_persons,
        write_entities,
    )

    try:
        ds, ws_decisions = _input(path, workspace, period=period)
        from contextmap.resolve.decisions import as_decisions

        # read and checked once, honoured by every step (the workspace's unless --decisions)
        dec = as_decisions(decisions) if decisions is not None or ws_decisions is None else ws_decisions
        kw: dict[str, Any] = {} if threshold is None else {"threshold": threshold}
        pr = resolve_persons(ds, decisions=dec, include_children=include_children, engine=engine, **kw)
        lr = resolve_locations(ds, decisions=dec, **kw)
        res = Resolution(pr, lr, link_mentions(ds, pr, lr, decisions=dec))
        written = write_entities(res, out, overwrite=overwrite, pairs=pairs)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    m = res.merged
    st = pr.stats
    kids = (f" ({st['person_records_matched_to_children']} of them a child's) and {st['children_records']} children's records"
            if st.get("children_records") else "")
    console.print(f"{st.get('person_records', st['records'])} person records{kids} -> {st['entities']} entities; "
                  f"{lr.stats['records']} location records -> {lr.stats['entities']} places; "
                  f"{len(m)} merged entities; {len(res.provisional)} RHI mentions kept as provisional",
                  highlight=False, markup=False)
    if pr.model is not None:
        console.print(pr.model.note, highlight=False, markup=False)
    for f in written:
        console.print(f"Wrote {f}", highlight=False, markup=False)


@app.command("review")
def review_cmd(
    out: Annotated[Path, typer.Option("--out", help="HTML page to write: the doubtful person and place pairs.")],
    decisions: Annotated[Path | None, typer.Option("--decisions", help="Decisions already taken (their pairs are left out).")] = None,
    threshold: Annotated[float | None, typer.Option("--threshold", help="Match probability to join records (default 0.5).")] = None,
    low: Annotated[float, typer.Option("--low", help="Pairs from this match probability are doubtful.")] = 0.1,
    high: Annotated[float, typer.Option("--high", help="... up to (not including) this one.")] = 0.95,
    limit: Annotated[int, typer.Option("--limit", help="At most this many pairs, the closest to the threshold first.")] = 500,
    engine: Annotated[str, typer.Option("--engine", help="Score person pairs with Splink on 'duckdb' (default) or 'spark', or 'fixed' weights.")] = "duckdb",
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing page.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files, one .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    places: Annotated[bool, typer.Option("--places/--no-places", help="Also queue the doubtful place pairs.")] = True,
    period: PeriodOpt = None,
) -> None:
    """Write an offline page of the doubtful person and place pairs to mark merge / keep apart /
    not sure; its Save button downloads a decisions file for --decisions."""
    from contextmap.files import check_writable
    from contextmap.resolve.review import write_review

    try:
        check_writable(out, overwrite=overwrite, argument="--out")  # before the data is read and resolved
        ds, ws_decisions = _input(path, workspace, period=period)
        written = write_review(ds, out, decisions=decisions if decisions is not None else ws_decisions, engine=engine, threshold=threshold,
                               band=(low, high), limit=limit, overwrite=overwrite, places=places)
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    import json as _json
    import re as _re

    blob = _re.search(r'id="cm-data">(.*?)</script>', written.read_text(encoding="utf-8"), _re.S)
    pairs = _json.loads(blob.group(1))["pairs"] if blob else []
    n_place = sum(1 for p in pairs if p.get("kind") == "place")
    console.print(f"Wrote {written}: {len(pairs) - n_place} person and {n_place} place pairs to review; open it in a "
                  "browser, decide, and Save decisions", highlight=False, markup=False)


audit_app = typer.Typer(
    help="The disclosure audit log: list the latest entries and check it (no subcommand), or resolve it.",
    invoke_without_command=True,
)
app.add_typer(audit_app, name="audit")
_LOG_HELP = "Audit log (default: $CONTEXTMAP_AUDIT_LOG or ~/.local/share/contextmap/audit.jsonl)."


def _audit_line(e: dict) -> str:
    """One audit entry in a line: when, which, what, who; then the period and files of a
    disclosure, or what a workspace event was about (a decision withdrawn: its number and
    records), never an empty period and "0 files"."""
    period = e.get("period") or {}
    bits = [str(e.get("at")), str(e.get("id", ""))[:12], str(e.get("event", "")), str(e.get("user"))]
    if e.get("audience") and e.get("audience") != "workspace":
        bits.append(str(e["audience"]))
    if period.get("from") or period.get("to"):
        bits.append(f"{period.get('from') or '...'}..{period.get('to') or '...'}")
    if e.get("outputs"):
        bits.append(f"{len(e['outputs'])} file{'s' if len(e['outputs']) != 1 else ''}")
    if e.get("workspace"):
        bits.append(f"workspace {e['workspace']}")
    if e.get("decision") is not None:  # by number and action: the records' names stay in the log
        bits.append(f"decision {e['decision']} ({str(e.get('action', '')).replace('_', ' ')})")
    # no character of the log's data reaches the terminal as a control: shown as its escape
    return terminal_text("  ".join(bits))


@audit_app.callback()
def audit_cmd(
    ctx: typer.Context,
    log: Annotated[Path | None, typer.Option("--log", help=_LOG_HELP)] = None,
    last: Annotated[int, typer.Option("--last", help="How many of the latest entries to list.")] = 10,
) -> None:
    """List the latest disclosures in the audit log and check it against its sealed head.

    Exit status: 0 intact, 1 unresolved (an edited, removed or unsealed entry; a missing,
    older or unsealed head): every disclosure stops until the chair runs `contextmap audit resolve`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from contextmap.privacy.audit import audit_status, default_audit_path, read_audit

    path = log or default_audit_path()
    try:
        entries = read_audit(path)
        status = audit_status(path)
    except (ContextMapError, OSError) as exc:
        raise _fail(exc, 2) from None
    head = "no sealed head" if status.head_count is None else f"sealed head counts {status.head_count}"
    console.print(f"{path}: {len(entries)} entries; {head}", highlight=False, markup=False, soft_wrap=True)
    for e in entries[-last:] if last > 0 else []:
        console.print(_audit_line(e), highlight=False, markup=False, soft_wrap=True)
    for msg in status.resolved:
        console.print(f"resolved: {msg}", highlight=False, markup=False, soft_wrap=True)
    if status.problems:
        for msg in status.problems:
            err_console.print(f"audit log {path}: {msg}", highlight=False, markup=False, soft_wrap=True)
        err_console.print("Nothing is disclosed until the chair has looked at this and run: "
                          "contextmap audit resolve --reason TEXT", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(1)


@audit_app.command("resolve")
def audit_resolve_cmd(
    reason: Annotated[str, typer.Option("--reason", help="What was found and what was done (recorded in the log).")],
    log: Annotated[Path | None, typer.Option("--log", help=_LOG_HELP)] = None,
) -> None:
    """For the chair: record in the log that its problems were looked at, so disclosures may go on.

    Appends one `resolve` entry listing every problem (damaged lines are acknowledged by
    their hash, never removed) and seals the head again. Exit 2 when the log is intact or
    the reason is empty.
    """
    from contextmap.privacy.audit import resolve_audit

    try:
        e = resolve_audit(log, reason=reason, command=list(sys.argv))
    except (ContextMapError, OSError) as exc:
        raise _fail(exc, 2) from None
    console.print(f"Resolved {len(e['problems'])} problem(s); recorded as audit entry {e['id']}.",
                  highlight=False, markup=False)


def _is_terminal() -> bool:
    """Whether standard output is a terminal (``reveal`` prints an identity only there)."""
    return sys.stdout.isatty()


@app.command("reveal")
def reveal_cmd(
    pseudonym: Annotated[str, typer.Argument(help="The pseudonym as printed in the pack, e.g. Child-4F7K2Q.", show_default=False)],
    pack: Annotated[Path, typer.Option("--pack", help="The pack folder the pseudonym is from.")],
    reason: Annotated[str | None, typer.Option("--reason", help="Why the identity is needed (recorded in the audit log); asked for when not given.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="The dataset, if it has moved since the pack was built.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings file the pack was built with (custom audiences).")] = None,
    workspace: Annotated[str | None, typer.Option("--workspace", "-w", help="The workspace the pack was built from, if the audit log's record of it cannot be used (a postgresql:// URL needs its password).")] = None,
) -> None:
    """For the chair: show the real identity behind a pseudonym, after a stated reason, on the record.

    Prints to the terminal only (never to a pipe or file); the disclosure (pseudonym, reason,
    pack, who and when; not the identity) is appended first to the team's audit log
    ($CONTEXTMAP_AUDIT_LOG: there is no other log for a disclosure). An unresolved log stops it.
    """
    from contextmap.pack.reveal import reveal
    from contextmap.settings import load_settings

    if not _is_terminal():
        raise _fail(ContextMapError("reveal prints an identity to a terminal only; run it in a terminal, "
                                    "not with its output redirected to a file or a pipe"), 2)
    if not (reason or "").strip():
        reason = typer.prompt("Reason for revealing this identity (recorded in the audit log)", default="",
                              show_default=False)
    try:
        st = load_settings(config) if config else None
        r = reveal(pseudonym, pack=pack, reason=reason or "", data=data, workspace=workspace, settings=st)
    except ContextMapError as exc:
        raise _fail(exc, 2) from None
    for n in r.notes:
        err_console.print(f"note: {n}", highlight=False, markup=False)
    console.print(f"{r.pseudonym} is the {r.kind} record:", highlight=False, markup=False)
    for k, v in r.record.items():
        console.print(f"  {k}: {'' if v is None else v}", highlight=False, markup=False)
    console.print(f"Disclosure logged as audit entry {r.audit_entry.get('id', '')}.", highlight=False, markup=False)


@app.command("pack")
def pack_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The pack folder to write (new or empty).")],
    audience: Annotated[str, typer.Option("--audience", "-a", help="internal, police, social-care or partner (or one from --config).")] = "internal",
    from_: Annotated[str | None, typer.Option("--from", help="First day of the meeting period.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day of the period (default: the latest date in the data).")] = None,
    previous: Annotated[Path | None, typer.Option("--previous", help="The previous pack's folder, for 'changes since'.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Settings YAML (area, audiences, panel rules...).")] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", "-m", help="Column-mapping YAML for a local export.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for peer groups and layouts.")] = 0,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="Skip pack.pdf (no chromium needed).")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing pack in --out.")] = False,
    decisions: Annotated[Path | None, typer.Option("--decisions", help="Entity-resolution decisions file (merge A B / keep apart A B).")] = None,
    basemap: Annotated[Path | None, typer.Option("--basemap", help="Your own vector map data (GeoPackage, Shapefile, GeoJSON...), drawn under both maps.")] = None,
    areas: Annotated[Path | None, typer.Option("--areas", help="Area polygons with names: counts per area in the pack, map and summary.json.")] = None,
    no_resolve: Annotated[bool, typer.Option("--no-resolve", help="Use records as they are, without entity resolution.")] = False,
    path: Annotated[Path | None, typer.Argument(help="A folder of CSV files, one .xlsx workbook, or a sources manifest (.yaml); or give --workspace W.", show_default=False)] = None,
    workspace: WorkspaceOption = None,
    keep_failed: Annotated[bool, typer.Option("--keep-failed", help="When the privacy scan refuses the pack, keep it (hidden folder beside --out) for inspection.")] = False,
    encrypt_pdf: Annotated[bool, typer.Option("--encrypt-pdf", help="Encrypt every PDF of the pack (pack.pdf, annex.pdf) with AES-256 for secure e-mail; the passphrase (12 characters or more, rated 4 of 4 by zxcvbn: four or five random words) is asked for, or read from --passphrase-file.")] = False,
    passphrase_file: Annotated[Path | None, typer.Option("--passphrase-file", help="With --encrypt-pdf: a file whose first line is the passphrase (keep it outside the pack).")] = None,
    period: PeriodOpt = None,
) -> None:
    """Build the MACE mapping pack for an audience: pack.html, pack.pdf, map, network, exports.

    Everything is computed from the dataset redacted for the audience, then every written file
    is scanned for identifiers the audience must not see: a hit publishes nothing (exit 3).
    --overwrite replaces only a pack contextmap wrote, never the input.
    Exit status: 0 done, 2 the input or configuration cannot be used (or the disclosure could
    not be logged), 3 privacy check failed, 130/143 interrupted (nothing published, nothing left).
    """
    from contextmap._errors import PrivacyError
    from contextmap.pack.build import build_pack
    from contextmap.pack.publish import Terminated
    from contextmap.privacy.audit import AuditError

    passphrase = None
    if passphrase_file is not None and not encrypt_pdf:
        raise _fail(ValueError("--passphrase-file needs --encrypt-pdf"), 2)
    if encrypt_pdf:
        try:
            passphrase = _passphrase(passphrase_file)
        except (ValueError, OSError) as exc:
            raise _fail(exc, 2) from None
    try:
        from contextmap.pack.publish import check_destination

        # where the pack may go, before the data is read (build_pack checks again, at the end)
        check_destination(out, overwrite=overwrite, inputs=[path] if path is not None else [])
        start, end = _date(from_, "--from"), _date(to, "--to")
        with console.status("Building the pack...", spinner="dots"), _period_must_hold_records():
            path, workspace = dataset_or_workspace(path, workspace)
            period = _period(path, period, workspace)
            r = build_pack(path, workspace=workspace, out=out, audience=audience, start=start, end=end, previous=previous,
                           settings=config, mapping=mapping, seed=seed, pdf=not no_pdf, overwrite=overwrite,
                           resolve=not no_resolve, decisions=decisions, keep_failed=keep_failed,
                           basemap=basemap, areas=areas,
                           encrypt_pdf=passphrase, period=period)
    except AuditError as exc:
        raise _fail(exc, 2) from None
    except PrivacyError as exc:
        _show_identifiers(getattr(exc, "hits", []))
        raise _fail(exc, 3) from None
    except (ContextMapError, ValueError, OSError) as exc:
        raise _fail(exc, 2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was published and the staging folder was removed",
                          markup=False, highlight=False)
        raise typer.Exit(130) from None
    except Terminated:
        err_console.print("terminated: nothing was published and the staging folder was removed",
                          markup=False, highlight=False)
        raise typer.Exit(143) from None
    s = r.summary
    console.print(f"{audience} pack for {s['period']['start'] or 'all records'} to {s['period']['end']}: "
                  f"{len(s['peer_groups'])} peer groups, {len(s['persons_of_concern'])} persons of concern, "
                  f"{len(s['hotspots'])} locations ranked", highlight=False, markup=False)
    if r.changes is not None:
        c = r.changes
        console.print(f"  since the last meeting: {len(c.new_hotspots)} new and {len(c.escalating_hotspots)} "
                      f"escalating hotspots, {len(c.new_persons)} new persons of concern, "
                      f"{len(c.new_panel_children)} children newly meeting panel criteria",
                      highlight=False, markup=False)
    if r.recorded is not None:
        m, last = r.recorded, s.get("last_meeting", {})
        console.print(f"  recorded in the workspace as pack {m['packs']} of the meeting for {m['period_start'] or 'all records'} "
                      f"to {m['period_end']} (first pack built {m['held_at']:%Y-%m-%d %H:%M}); "
                      f"compared with {last.get('compared_with', 'no earlier meeting')}", highlight=False, markup=False)
    console.print(f"Wrote {len(r.files)} files. Open {r.html.resolve()}"
                  + ("" if no_pdf else f"\n  or print {r.pdf.resolve()}"), highlight=False, markup=False)


def _passphrase(path: Path | None) -> str:
    """The PDF passphrase: the first line of ``path``, else asked twice on the terminal; a
    weak one is refused (:func:`contextmap.pack.pdf.check_passphrase`)."""
    import getpass

    from contextmap.pack.pdf import check_passphrase

    if path is not None:
        lines = path.read_text(encoding="utf-8").splitlines()
        text = lines[0] if lines else ""
        if not text:
            raise ValueError(f"passphrase file {str(path)!r} is empty: its first line is the passphrase")
        check_passphrase(text)
        return text
    if not sys.stdin.isatty():
        raise ValueError("--encrypt-pdf needs a terminal to ask for the passphrase, or --passphrase-file FILE")
    first = getpass.getpass("Passphrase for the pack's PDFs (pack.pdf, annex.pdf): ")
    check_passphrase(first)
    if getpass.getpass("Repeat the passphrase: ") != first:
        raise ValueError("the two passphrases differ")
    return first


def _show_identifiers(hits: list[Any]) -> None:
    """Tell the operator which identifier hit. The value itself is shown only on an
    interactive terminal (never into a file or a log); the input row always."""
    if not hits:
        return
    show = err_console.is_terminal
    err_console.print("The privacy scan found these identifiers (each: kind, file, position, input row):",
                      markup=False, highlight=False, soft_wrap=True)
    for h in hits[:20]:
        value = f"  value: {h.value!r}" if show else ""
        err_console.print(f"  {h}{value}", markup=False, highlight=False, soft_wrap=True)
    if not show:
        err_console.print("  (values are shown only on an interactive terminal, so they never reach a file)",
                          markup=False, highlight=False, soft_wrap=True)


def _analyze(*args: Any, **kwargs: Any) -> Any:
    """:func:`contextmap.analysis.analyze`, imported when called (``case open --kind group``)."""
    from contextmap.analysis import analyze

    return analyze(*args, **kwargs)


def _effects(*args: Any, **kwargs: Any) -> Any:
    """:func:`contextmap.tactics.tactic_effects`, imported when called (``tactic list --effect``)."""
    from contextmap.tactics import tactic_effects

    return tactic_effects(*args, **kwargs)


def _profile(*args: Any, **kwargs: Any) -> Any:
    """:func:`contextmap.pack.profile.build_profile`, imported when called (``contextmap profile``)."""
    from contextmap.pack.profile import build_profile

    return build_profile(*args, **kwargs)


# workspace, import, decide, case (goal), action, tactic, profile
_register_workspace_commands(app, analyze=_analyze, effects=_effects, profile=_profile)


def _reflowed(doc: str | None) -> str | None:
    r"""A command's docstring as its help shows it: each paragraph one line (the terminal wraps
    it), where Typer keeps the source's line breaks and an 80-column terminal breaks them again
    ("... links.csv (the data / contract) ..."); lines starting a list item, or "Exit status",
    stay lines.

    >>> _reflowed("One line.\n\nA paragraph\n    over two lines.\n  - item one\n  - item two")
    'One line.\n\nA paragraph over two lines.\n  - item one\n  - item two'
    """
    if not doc:
        return doc
    import inspect
    import re

    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(re.sub(r"[ \t]*\n(?![ \t]*(?:[-*•] |\d+\. |Exit status))[ \t]*", " ", p) for p in paragraphs)


def _reflow_help(typer_app: typer.Typer) -> None:
    for cmd in typer_app.registered_commands:
        if cmd.callback is not None and cmd.help is None:
            cmd.callback.__doc__ = _reflowed(cmd.callback.__doc__)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _reflow_help(group.typer_instance)


_reflow_help(app)


PRIVATE_UMASK = 0o077
"""The command line writes every file and folder for its user alone (the files hold children's
names: review pages, problems files, packs before they are sent): group and others get no
access, whatever the shell's umask, which can only be stricter."""


def main() -> None:
    """Entry point for the ``contextmap`` console script."""
    os.umask(os.umask(PRIVATE_UMASK) | PRIVATE_UMASK)
    try:
        app()
    except ContextMapError as exc:  # last resort: never a traceback for an expected error
        sys.exit(fail(exc, 2).exit_code)


# Silence "imported but unused" until subcommands use them.
_ = (Path, Optional)


if __name__ == "__main__":  # python -m contextmap.cli
    main()
