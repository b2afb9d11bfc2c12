"""The MACE mapping pack: one command before the meeting, right for its audience.

:func:`build_pack` loads a dataset, redacts it for the audience
(:func:`contextmap.privacy.redact_dataset`), runs the analyses on the redacted dataset, and
writes into a folder:

* ``pack.html``: one self-contained, print-ready file (inline CSS, inline SVG pictures,
  no external request) and ``pack.pdf`` printed from it by Debian's chromium;
* ``hotspot_map.html`` and ``network.html``: the interactive views;
* ``summary.json`` (the analyses' keys) and ``pack_state.json`` (what the next pack compares
  against, see :mod:`contextmap.pack.changes`);
* ``exports/``: GeoPackage, GraphML, GEXF, i2 files and CSV tables.

Everything is written to a staging folder first and scanned with
:func:`contextmap.privacy.check_outputs` for identifiers the audience must not see. A hit
deletes the staging folder (kept for inspection only with ``keep_failed``) and raises
:class:`~contextmap.PrivacyError`: the pack is never published. Then the disclosure is
logged (a pack that cannot be logged is not published) and the pack swapped into place
atomically (:mod:`contextmap.pack.publish`: only a folder contextmap wrote is replaced).
"""

from __future__ import annotations

import getpass
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from contextmap import privacy
from contextmap._errors import ConfigError, PrivacyError
from contextmap.analysis import analyze
from contextmap.areas import read_areas
from contextmap.dataset import Dataset
from contextmap.dates import period_bounds
from contextmap.ingest import load
from contextmap.pack import changes as chg
from contextmap.pack import content as pdata
from contextmap.pack import publish
from contextmap.pack.content import PANEL_FLAGS
from contextmap.pack.write import write_pack
from contextmap.privacy import audit
from contextmap.resolve import resolve_dataset
from contextmap.settings import PACK_OPTIONS, Settings, load_settings
from contextmap.views.basemap import BaseMap, data_bounds, read_basemap

__all__ = ["build_pack", "PackResult", "PANEL_FLAGS"]

"""Flag names (from the analyses) that mean a child meets the panel criteria."""

_DEFAULTS = dict(PACK_OPTIONS)
"""How much the printed pack shows (``pack:`` section of the settings file, documented in
:data:`contextmap.settings.PACK_OPTIONS`); the annex and the exports hold everything."""


@dataclass
class PackResult:
    """What :func:`build_pack` wrote.

    Attributes
    ----------
    out
        The pack folder.
    files
        Every file written, relative to ``out``.
    summary
        The contents of ``summary.json``.
    changes
        The comparison with the previous pack (``None`` without ``previous``).
    meeting
        The meeting's view (:class:`contextmap.pack.meeting.MeetingView`): ``states`` (every
        child's, person's and place's state since the last meeting), ``agenda`` (page 1's
        lists, uncapped) and ``labels`` (the names printed).
    audit_entry
        The audit-log entry appended.
    recorded
        From a workspace: the meeting the pack was recorded against
        (:func:`contextmap.workspace.meetings.meeting_of`: its period, when its first pack was
        built, ``packs`` built for it so far and their ``audiences``); ``None`` otherwise.
    timings
        Seconds per step.
    """

    out: Path
    files: list[str]
    summary: dict[str, Any]
    changes: chg.Changes | None = None
    meeting: Any = None
    audit_entry: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    recorded: dict[str, Any] | None = None

    @property
    def html(self) -> Path:
        return self.out / "pack.html"

    @property
    def pdf(self) -> Path:
        return self.out / "pack.pdf"


def _settings(settings: Settings | str | Path | None) -> Settings:
    if settings is None:
        return Settings()
    if isinstance(settings, Settings):
        return settings
    return load_settings(settings)


def _pack_options(settings: Settings) -> dict[str, int]:
    opts = dict(_DEFAULTS)
    for k, v in dict(settings.extra.get("pack") or {}).items():
        if k not in opts:
            raise ConfigError(f"unknown setting pack.{k}; expected one of {sorted(opts)}")
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ConfigError(f"pack.{k} must be a positive whole number, instead got: {v!r}")
        opts[k] = v
    return opts


def _geography(st: Settings, basemap: Any, areas: Any, ds: Dataset) -> dict[str, Any]:
    """The base map (clipped to the data plus a margin) and the area polygons, read once."""
    src = basemap if basemap is not None else (st.basemap.path or None)
    bm = None
    if isinstance(src, BaseMap):
        bm = src
    elif src is not None:
        bm = read_basemap(src, layers=list(st.basemap.layers) or None,
                          bounds=data_bounds(ds.locations, margin_m=st.basemap.margin_m))
    asrc = areas if areas is not None else (st.areas.path or None)
    ar = None
    if isinstance(asrc, gpd.GeoDataFrame):
        ar = asrc
    elif asrc is not None:
        ar = read_areas(asrc, layer=st.areas.layer or None, name_column=st.areas.name_column or None,
                        id_column=st.areas.id_column or None)
    note = None
    if bm is not None:
        note = f"Base map: {Path(bm.source).name if bm.source else 'supplied'} (the organisation's own map data)"
    return {"basemap": bm, "areas": ar, "basemap_note": note}


def build_pack(
    path_or_dataset: str | Path | Dataset | None,
    *,
    out: str | Path,
    audience: str = "internal",
    start: Any = None,
    end: Any = None,
    previous: str | Path | None = None,
    settings: Settings | str | Path | None = None,
    overwrite: bool = False,
    mapping: str | Path | None = None,
    seed: int = 0,
    pdf: bool = True,
    pseudonymiser: Any = None,
    audit_log: str | Path | None = None,
    resolve: bool = True,
    decisions: Any = None,
    keep_failed: bool = False,
    encrypt_pdf: str | None = None,
    basemap: str | Path | BaseMap | None = None,
    areas: str | Path | gpd.GeoDataFrame | None = None,
    workspace: Any = None,
    period: str | None = None,
) -> PackResult:
    """Build the mapping pack for a meeting period.

    Parameters
    ----------
    path_or_dataset
        A dataset folder or workbook (read with :func:`contextmap.load`), or a loaded dataset.
    out
        The pack folder; must be new or empty unless ``overwrite``.
    audience
        ``'internal'``, ``'police'``, ``'social-care'``, ``'partner'`` or one defined in the
        settings' ``audiences`` section.
    start, end
        The meeting period (inclusive dates); ``end`` defaults to the latest date in the data and
        ``start`` to 12 months before it.
    previous
        The previous pack's folder: adds the "changes since the previous pack" section.
    settings
        :class:`~contextmap.Settings` or a YAML settings file.
    overwrite
        Replace an existing pack in ``out``.
    mapping
        A column-mapping file for :func:`contextmap.load`.
    period
        For a sources manifest whose files name the period: the month to read (``'YYYY-MM'``;
        default the latest). Recorded in the pack's ``manifest.json`` for ``reveal``.
    seed
        Seed for peer-group detection and layouts (same seed, same pack).
    pdf
        Print ``pack.pdf`` (needs Debian's chromium).
    pseudonymiser
        For audiences that see pseudonyms (default: the key in the user's config directory).
    audit_log
        The audit log (default :func:`contextmap.privacy.audit.default_audit_path`).
    resolve
        Resolve persons, places and RHI mentions into entities first
        (:func:`contextmap.resolve.resolve_dataset`). Resolution runs on the full dataset,
        before redaction, so it matches on real names even for a pseudonymised audience;
        the pack lists the merged entities with their confidence.
    decisions
        The analyst's decisions file (``merge A B`` / ``keep apart A B``) for resolution.
    keep_failed
        When the privacy scan refuses the pack, keep its staging folder (renamed
        ``.OUT.failed-*`` beside ``out``) for inspection instead of deleting it.
    encrypt_pdf
        A passphrase: every PDF of the pack (``pack.pdf``, ``annex.pdf``) is encrypted with
        AES-256 (for secure e-mail to partners), after the scan has read it. A weak
        passphrase is refused before any work (:func:`contextmap.pack.pdf.check_passphrase`).
        The passphrase is never written anywhere.
    basemap
        The user's own vector base map (any file GDAL reads; default ``settings.basemap``),
        drawn under the interactive map and the printed one.
    areas
        Area polygons with names (default ``settings.areas``): counts per area in the pack,
        on the map and in ``summary.json`` (``areas``).
    workspace
        A workspace (path, URL or :class:`~contextmap.workspace.Workspace`) to build from in
        place of ``path_or_dataset`` (pass ``None`` there): its records, its decisions (unless
        ``decisions`` is given), an opening section with the last meeting's actions, the open
        cases and the trends (:mod:`contextmap.pack.workspace`); the pack is recorded against
        its meeting in the workspace (the packs for one period are one meeting, and each
        compares with the meeting before: :mod:`contextmap.workspace.meetings`).

    Returns
    -------
    PackResult

    Raises
    ------
    PrivacyError
        If any written file holds an identifier the audience must not see (nothing is
        published); its ``hits`` say which (kind, file, position, input row).
    OutputExistsError
        If ``out`` is not new or empty (without ``overwrite``), is not a pack contextmap
        wrote, or is (or holds, or sits inside) the input. Checked before any work.
    AuditError
        If the disclosure cannot be logged, or the audit log is unresolved (checked before
        any work; nothing is published).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from contextmap.sample.generate import generate_sample
    >>> ds = generate_sample(children=20, seed=3).to_dataset()  # doctest: +SKIP
    >>> r = build_pack(ds, out=pathlib.Path(tempfile.mkdtemp()) / "pack", pdf=False)  # doctest: +SKIP
    >>> sorted(p for p in r.files if p.endswith(".html"))  # doctest: +SKIP
    ['hotspot_map.html', 'network.html', 'pack.html']
    """

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    st = _settings(settings)
    opts = _pack_options(st)
    aud = privacy.get_audience(audience, settings=st)
    if encrypt_pdf is not None:
        from contextmap.pack.pdf import check_passphrase

        check_passphrase(encrypt_pdf)  # a weak passphrase is refused before any work
    if encrypt_pdf is not None and not pdf:
        raise ConfigError("encrypt_pdf needs the PDF: do not combine it with pdf=False (--no-pdf)")
    inputs = [] if isinstance(path_or_dataset, Dataset) or path_or_dataset is None else [Path(path_or_dataset)]
    if isinstance(path_or_dataset, Dataset) and path_or_dataset.source is not None:
        inputs.append(Path(path_or_dataset.source))
    out_dir = publish.check_destination(out, overwrite=overwrite, inputs=inputs)
    audit.check_audit(audit_log)  # an unresolved audit log stops every disclosure, before any work
    publish.recover(out_dir)
    prev_state = chg.read_state(previous, panel_flags=PANEL_FLAGS) if previous is not None else None

    ws = None
    if workspace is not None:  # the workspace hook (issue 15): records, decisions, opening section
        from contextmap.workspace import open_workspace

        ws = open_workspace(workspace)
        ds, input_path = ws.dataset(), None
        decisions = ws.decisions() if decisions is None else decisions
    elif isinstance(path_or_dataset, Dataset):
        ds, input_path = path_or_dataset, path_or_dataset.source
    elif path_or_dataset is None:
        raise ConfigError("Expected path_or_dataset (a dataset folder, workbook or Dataset) or workspace, instead got neither")
    else:
        ds, input_path = load(path_or_dataset, mapping=mapping, period=period), Path(path_or_dataset)
    privacy.check_disguised_names(ds, aud)  # names written to slip past a reader: refused, by row
    input_hash = ds.content_hash or (audit.hash_input(input_path) if input_path else None)
    geo = _geography(st, basemap, areas, ds)  # read first: a bad file fails before the analyses
    timings["load"] = time.perf_counter() - t0

    p_start, p_end = period_bounds(ds, start=start, end=end, default_months=12)
    t = time.perf_counter()
    resolved = ds
    if resolve:
        resolved = resolve_dataset(ds, decisions=decisions)
    timings["resolve"] = time.perf_counter() - t

    t = time.perf_counter()
    forbidden = privacy.forbidden_with_resolved(ds, resolved, aud, settings=st)
    red = privacy.redact_dataset(resolved, aud, pseudonymiser=pseudonymiser, as_of=p_end, settings=st,
                                 forbidden=forbidden)
    forbidden = privacy.scan_set(forbidden, red)
    timings["redact"] = time.perf_counter() - t

    t = time.perf_counter()
    # resolution already ran on the full data; the redacted data is analysed as it stands
    an = analyze(red, start=p_start, end=p_end, settings=st, seed=seed, resolve=False)
    timings["analyse"] = time.perf_counter() - t
    view = None
    disruption = None
    recorded = None
    if ws is not None:
        from contextmap.pack.disruption_agenda import disruption_agenda
        from contextmap.pack.profile import FreeText
        from contextmap.pack.workspace import workspace_view

        view = workspace_view(ws, raw=ds, resolved=resolved, red=red, period=(p_start, p_end))
        # the team's text (owners, actions, outcomes, case titles) read as every other text:
        # withheld, or the names the audience must not see taken out, before it is printed
        view.free_text = FreeText(shown=bool(aud.show_free_text), forbidden=None if aud.show_names else forbidden)
        # tactics and breaches as of the day the pack is made (the meeting's), not the data's end
        disruption = disruption_agenda(ws, resolved=resolved, red=red, aud=aud, settings=st, as_of=pd.Timestamp.now(),
                                       period_start=p_start, period_end=p_end, forbidden=forbidden)

    with publish.signals_raise():
        staging: Path | None = None  # made inside the try: a signal just after it still removes it
        try:
            staging = publish.new_staging(out_dir)
            written, summary, changes, meeting = write_pack(
                staging, red=red, an=an, aud=aud, settings=st, opts=opts, period=(p_start, p_end),
                prev_state=prev_state, input_hash=input_hash, seed=seed, pdf=pdf, timings=timings,
                input_path=input_path, resolved=resolve, geo=geo, workspace=view, resolved_ds=resolved,
                disruption=disruption, data_period=ds.period,
            )
            publish.write_marker(staging, audience=aud.name, period=[pdata.day_text(p_start), pdata.day_text(p_end)])
            t = time.perf_counter()
            try:
                privacy.check_outputs([staging], forbidden)  # cannot be skipped: a hit raises
            except PrivacyError as exc:
                if keep_failed:
                    kept = publish.keep_failed(staging, out_dir)
                    exc.kept = kept  # type: ignore[attr-defined]
                    exc.args = (f"{exc}\nThe refused pack is kept for inspection in {kept} "
                                "(delete it when done: it holds what the audience must not see).",)
                raise
            timings["privacy_scan"] = time.perf_counter() - t
            if encrypt_pdf is not None:  # every PDF sent: pack.pdf, annex.pdf and any other
                from contextmap.pack.pdf import encrypt_pdfs

                encrypt_pdfs(staging, passphrase=encrypt_pdf)
            written = sorted(str(q.relative_to(staging)) for q in staging.rglob("*")
                             if q.is_file() and q.name != publish.STAGING_MARKER)
            # fail closed: the disclosure is logged before the pack is published
            entry = audit.append_audit(
                audit_log, audience=aud.name, input_path=input_path, input_hash=input_hash,
                period=(pdata.day_text(p_start) or None, pdata.day_text(p_end)),
                outputs=[str(staging / f) for f in written], user=getpass.getuser(),
                command=sys.argv if sys.argv and sys.argv[0].endswith("contextmap") else "contextmap.pack.build_pack",
                record_as=(staging, out_dir),
                extra={"encrypted_pdf": encrypt_pdf is not None,
                       **({"workspace": _workspace_location(ws)} if ws is not None else {})},
            )
            publish.swap_in(staging, out_dir)
            if ws is not None:
                from contextmap.workspace.meetings import meeting_of, record_meeting

                record_meeting(ws.engine, period=(p_start, p_end), audience=aud.name, audit_entry=entry["id"])
                recorded = meeting_of(ws.engine, (p_start, p_end))
        except BaseException:
            if staging is not None and staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
            raise
    if ws is not None and ws is not workspace:
        ws.close()
    timings["total"] = time.perf_counter() - t0
    return PackResult(out=Path(out), files=written, summary=summary, changes=changes, meeting=meeting,
                      audit_entry=entry, timings=timings, recorded=recorded)


def _workspace_location(ws: Any) -> str:
    """Where the pack's workspace is, for the audit log (and ``contextmap reveal``): the
    SQLite file's full path, or the server URL without its password."""
    path = getattr(ws.location, "path", None)
    return str(Path(path).expanduser().resolve()) if path is not None else str(ws.label)
