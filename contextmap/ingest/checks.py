"""Row checks: parse every cell by its contract kind, check every row and every reference.

:class:`TableChecker` validates one table (all its sources stacked) and records each problem
at the file and row it came from. What a problem does to the row:

* **quarantined** (error): a required value missing or invalid; a duplicate id whose rows
  differ; an id used in two entity tables; a required reference to an unknown or quarantined
  row; an invalid grading (a blank one would read as ungraded); ``returned_at`` invalid or
  before ``reported_at`` (a blank one would read as still missing);
* **kept, field blanked** (warning): an invalid value in any other optional field (a date of
  birth, a code, a number, coordinates outside Great Britain and Northern Ireland, an
  optional reference to an unknown or quarantined row); the value as written stays in the
  problems report;
* **kept** (warning): an unknown relation, a postcode that does not look like one, a point
  far from the area, a completed RHI without a date.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd

from contextmap.arrays import SPACE
from contextmap.dates import REASON_MONTH_FIRST, parse_dates
from contextmap.ingest.columns import GRADING_PART_COLUMNS, TableMapping
from contextmap.ingest.coordinates import (
    GB_NI_BOUNDS,
    far_from_area,
    parse_grid_references,
    transform,
)
from contextmap.ingest.mentions import split_people
from contextmap.ingest.quarantine import Problems
from contextmap.schema import (
    ENTITY_TABLES,
    PEOPLE_RELATIONS,
    PLACE_RELATIONS,
    Table,
    parse_grading,
)

__all__ = ["TableChecker", "STRICT_COLUMNS", "check_references", "cross_entity_duplicates",
           "relation_kinds", "status", "AreaCheck", "agency_slug", "link_identity", "CONTENT_KEY"]

CONTENT_KEY = re.compile(r"^k-[0-9a-f]{16}$")
"""The form of the id given to a link its export gives none (a hash of its agency and
defining fields; see :meth:`TableChecker._content_keys`)."""

STRICT_COLUMNS = {("episodes", "returned_at"), ("links", "grading")}
"""Optional columns whose blank means something (still missing; ungraded): an invalid value
quarantines the row instead of blanking the field."""

_POSTCODE = r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$"
_SEP = rf"[{SPACE}\-/]+"  # SPACE, not \s: pandas then runs it in pyarrow
_KEPT = " (value left blank, row kept)"


def _norm(s: pd.Series) -> pd.Series:
    """Vectorised :func:`schema.normalise_code`."""
    return s.str.lower().str.replace(_SEP, "_", regex=True).str.strip("_")


def _apply_values(text: pd.Series, vm: dict[str, str]) -> pd.Series:
    if not vm:
        return text
    key = _norm(text)
    hit = key.isin(list(vm))
    return text.mask(hit, key.map(vm)) if hit.any() else text


def _string(text: pd.Series) -> pd.Series:
    return text.mask(text == "").astype("string")


class AreaCheck:
    """Where locations are expected: ``bounds`` (WGS84 box) plus ``buffer_km``, or, with no
    bounds, within ``outlier_km`` of the data's middle."""

    def __init__(self, bounds: tuple[float, float, float, float] | None = None, *,
                 buffer_km: float = 10.0, outlier_km: float = 80.0) -> None:
        self.bounds, self.buffer_km, self.outlier_km = bounds, buffer_km, outlier_km


class TableChecker:
    """Validates one table; records problems and the rows that must be quarantined.

    ``raw`` holds the table's rows as text on contract names (every source stacked, index:
    row position); ``mappings`` gives each position's value maps and date formats.
    """

    def __init__(self, t: Table, raw: pd.DataFrame, mappings: pd.Series, tms: list[TableMapping],
                 P: Problems, as_of: pd.Timestamp, scheme: str, *, area: AreaCheck | None = None) -> None:
        self.t, self.raw, self.P = t, raw, P
        self.as_of, self.scheme = as_of, scheme
        self.area = area or AreaCheck()
        self.bad = pd.Series(False, index=raw.index)
        self.source_of, self.tms = mappings, tms
        self.text = {c: self._mapped(c, raw[c].str.strip()) for c in raw.columns}
        self.out: dict[str, pd.Series] = {}
        self.unknown_only = pd.Series(False, index=raw.index)
        """Rows holding data only in dropped columns (reported once, not as blank values)."""
        self.agency = pd.Series(None, index=raw.index, dtype=object)
        """Who sent each row (a manifest source's ``agency``; None without one)."""
        self.blank_explained = pd.Series(False, index=raw.index)
        """Rows whose blank required value is already explained by an error (a link's place
        given as a description: reported once, not also as a missing value)."""

    def _mapped(self, column: str, text: pd.Series) -> pd.Series:
        if len(self.tms) == 1:
            return _apply_values(text, self.tms[0].values.get(column, {}))
        for k, tm in enumerate(self.tms):
            vm = tm.values.get(column, {})
            if vm:
                rows = self.source_of == k
                text = text.mask(rows, _apply_values(text[rows], vm))
        return text

    # recording -----------------------------------------------------------------------------

    def error(self, mask: pd.Series, column: str, reason: pd.Series | str, values: pd.Series | None = None) -> None:
        """Quarantine the rows in ``mask``."""
        mask = mask.fillna(False).astype(bool)
        self.P.add(self.t.name, mask, column, self.raw[column] if values is None else values, reason)
        self.bad |= mask

    def warn(self, mask: pd.Series, column: str, reason: pd.Series | str, values: pd.Series | None = None) -> None:
        """Report the rows in ``mask``; keep them as they are."""
        mask = mask.fillna(False).astype(bool)
        self.P.add(self.t.name, mask, column, self.raw[column] if values is None else values, reason, "warning")

    def soft(self, mask: pd.Series, column: str, reason: pd.Series | str, values: pd.Series | None = None,
             *, blank: tuple[str, ...] | None = None) -> None:
        """An invalid value: quarantine when ``column`` is required or strict, otherwise blank
        the field(s) and keep the row with a warning."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        if column in self.t.required or (self.t.name, column) in STRICT_COLUMNS:
            self.error(mask, column, reason, values)
            return
        why = reason + _KEPT if isinstance(reason, str) else reason.astype("string") + _KEPT
        self.warn(mask, column, why, values)
        for c in blank or (column,):
            if c in self.out:
                self.out[c] = self.out[c].mask(mask)

    # parsing ----------------------------------------------------------------------------

    def run(self) -> pd.DataFrame:
        """Parse and check every column; return the parsed frame (index: row position)."""
        for col in self.t.columns:
            text = self.text[col.name]
            blank = text == ""
            kind = col.kind
            if col.required:
                self.error(blank & ~self.unknown_only & ~self.blank_explained, col.name, "missing required value")
            if kind in ("id", "text"):
                self.out[col.name] = _string(self._postcode(text, blank) if col.name == "postcode" else text)
            elif kind == "list":
                if (self.t.name, col.name) == ("episodes", "people_mentioned"):
                    self._people(text)
                    continue
                joined = text.str.replace(rf"[{SPACE}]*;[{SPACE};]*", "; ", regex=True).str.strip("; ")
                self.out[col.name] = _string(joined)
            elif kind == "enum":
                self.out[col.name] = self._enum(col.name, text, blank, col.values)
            elif kind in ("date", "datetime"):
                self.out[col.name] = self._dates(col.name, text, kind)
            elif kind == "float":
                num = pd.to_numeric(text.mask(blank), errors="coerce").astype("float64")
                finite = pd.Series(np.isfinite(num.to_numpy()), index=num.index)
                self.out[col.name] = num.where(finite)
                if col.name not in ("latitude", "longitude", "easting", "northing"):
                    self.soft(~blank & ~finite, col.name, "not a number")
                else:
                    self.soft(~blank & ~finite, col.name, "not a number",
                              blank=("latitude", "longitude") if col.name in ("latitude", "longitude") else ("easting", "northing"))
            elif kind == "grading":
                self.out[col.name] = _string(text)  # parsed in _links
        key = self.t.key
        if self.t.name == "links":
            self.out[key] = self._by_agency(self.out[key])
        ids = self.out[key]
        dup = ids.notna() & ids.duplicated(keep=False)
        self.error(dup, key, self._duplicate_reason(ids, dup))
        getattr(self, f"_{self.t.name}", lambda: None)()
        return pd.DataFrame(self.out, index=self.raw.index)

    # identity ---------------------------------------------------------------------------

    def _by_agency(self, ids: pd.Series) -> pd.Series:
        """Link ids two agencies both use (``1001``) name two records: each becomes
        ``1001@<agency>``; a link's identity is its agency and its id."""
        ag = self.agency
        given = ids.notna() & ag.notna()
        if not given.any():
            return ids
        frame = pd.DataFrame({"id": ids[given].astype(object), "agency": ag[given]})
        spans = frame.groupby("id")["agency"].transform("nunique") > 1
        if not spans.any():
            return ids
        rows = spans.index[spans.to_numpy()]
        out = ids.astype(object).copy()
        out[rows] = [f"{i}@{agency_slug(a)}" for i, a in zip(frame.loc[rows, "id"], frame.loc[rows, "agency"], strict=True)]
        return out.astype("string")

    def _duplicate_reason(self, ids: pd.Series, dup: pd.Series) -> pd.Series | str:
        base = "duplicate id (every row with this id is quarantined; the rows differ)"
        if not dup.any() or self.agency.isna().all():
            return base
        g = pd.DataFrame({"id": ids[dup].astype(object), "agency": self.agency[dup].fillna("a source without agency")})
        names = g.groupby("id")["agency"].agg(lambda a: " and ".join(sorted(set(a))))
        multi = g["id"].map(g.groupby("id")["agency"].nunique()) > 1
        if not multi.any():
            return base
        reason = pd.Series(base, index=ids.index, dtype=object)
        reason[multi.index[multi.to_numpy()]] = ("duplicate id: " + g.loc[multi, "id"].map(names) + " both use it for "
                                                 "different records (every row with this id is quarantined; ids "
                                                 "must be unique across agencies)")
        return reason

    def _content_keys(self, rows: pd.Series) -> pd.Series:
        """Keys for links the export gives no id: ``k-`` and a hash of the agency and the
        link's defining fields (its two ends as written, relation, date observed, episode), the
        same in every export that holds the link. Rows that share those fields but differ
        elsewhere are keyed by all their fields instead."""
        idx = rows.index[rows.to_numpy()]
        if not len(idx):
            return pd.Series(dtype="string")
        raw = self.raw.loc[idx]

        def fold(c: str) -> pd.Series:
            return raw[c].str.strip().str.casefold().str.replace(rf"[{SPACE}]+", " ", regex=True)

        def end(side: str) -> pd.Series:
            dob = raw[f"{side}_dob"].str.strip()
            parsed, _ = parse_dates(dob, kind="date")
            dob = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), dob)
            named = "name:" + fold(f"{side}_name") + "|" + dob
            return raw[f"{side}_id"].str.strip().where(raw[f"{side}_id"].str.strip() != "", named)

        seen = self.out["observed_on"].loc[idx]
        observed = seen.dt.strftime("%Y-%m-%d").where(seen.notna(), raw["observed_on"].str.strip())
        agency = self.agency.loc[idx].fillna("").astype(str)
        fields = [agency, end("source"), end("target"), self.out["relation"].loc[idx].fillna("").astype(str),
                  observed, raw["episode_id"].str.strip()]
        keys = pd.Series(_hashes(fields), index=idx, dtype=object)
        clash = keys.duplicated(keep=False)
        if clash.any():  # same defining fields, different rows: every field decides
            at = clash.index[clash.to_numpy()]
            every = [agency.loc[at]] + [raw.loc[at, c].str.strip() for c in raw.columns]
            keys[at] = _hashes(every)
        return ("k-" + keys).astype("string")

    def _dates(self, name: str, text: pd.Series, kind: str) -> pd.Series:
        if len(self.tms) == 1 or not any(name in tm.date_formats for tm in self.tms):
            fmt = self.tms[0].date_formats.get(name) if self.tms else None
            parsed, reasons = parse_dates(text, kind=kind, date_format=fmt)
        else:
            parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
            reasons = pd.Series(pd.NA, index=text.index, dtype="string")
            for k, tm in enumerate(self.tms):
                rows = self.source_of == k
                if rows.any():
                    p, r = parse_dates(text[rows], kind=kind, date_format=tm.date_formats.get(name))
                    parsed[rows], reasons[rows] = p, r
        self.out[name] = parsed
        self.soft(reasons.notna(), name, reasons)
        if reasons.str.startswith(REASON_MONTH_FIRST[:26]).any():
            self._month_first_column(name, text, parsed, reasons)
        limit = self.as_of.normalize() if kind == "date" else self.as_of
        self.soft(parsed > limit, name, f"date is in the future (after {self.as_of:%Y-%m-%d %H:%M})")
        return self.out[name]

    def _month_first_column(self, name: str, text: pd.Series, parsed: pd.Series, reasons: pd.Series) -> None:
        """A file whose column has dates that read only month-first (``03/14/1996``) and none
        that read only day-first: its dates that read both ways (``03/04/1996``) were read
        day-first and may be wrong. Each is kept as read, with a warning."""
        parts = text.str.extract(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]\d{4}\b").astype(float)
        day, month = parts[0], parts[1]
        us_only = reasons.str.startswith(REASON_MONTH_FIRST[:26]).fillna(False).astype(bool)
        uk_only = parsed.notna() & (day > 12)
        either = parsed.notna() & (day <= 12) & (month <= 12) & (day != month)
        for k in (range(len(self.tms)) if len(self.tms) > 1 else [None]):
            rows = pd.Series(True, index=text.index) if k is None else (self.source_of == k)
            if not (us_only & rows).any() or (uk_only & rows).any():
                continue
            doubt = either & rows
            read_as = parsed[doubt].dt.day.astype(str) + " " + parsed[doubt].dt.month_name() + " " + parsed[doubt].dt.year.astype(str)
            self.warn(doubt, name, ("read day-first as " + read_as + ", but other dates in this column of this file read "
                                    "only month-first (US): check them (kept as read)").reindex(text.index))

    def _people(self, text: pd.Series) -> None:
        names, described, unsplit = split_people(text)
        self.out["people_mentioned"] = _string(names)
        self.out["people_described"] = _string(described)
        self.warn(unsplit, "people_mentioned",
                  "cannot be split into names (kept whole as a description in people_described, not as a person)")

    def _postcode(self, text: pd.Series, blank: pd.Series) -> pd.Series:
        squashed = text.str.upper().str.replace(rf"[{SPACE}]+", "", regex=True)
        norm = squashed.str.replace(r"^(.+)(\d[A-Z]{2})$", r"\1 \2", regex=True)
        valid = norm.str.match(_POSTCODE)
        self.warn(~blank & ~valid, "postcode", "not a valid UK postcode format (kept as written)")
        return norm.where(valid, text)

    def _enum(self, name: str, text: pd.Series, blank: pd.Series, values: tuple[str, ...]) -> pd.Series:
        codes = _norm(text)
        unknown = ~blank & ~codes.isin(values)
        if name == "relation":
            self.warn(unknown, name, "relation not in the documented vocabulary (kept)")
            return _string(codes)
        self.out[name] = _string(codes)
        why = f"unknown {name} value; expected one of {list(values)}"
        self.soft(unknown, name, self._values_typo(name, codes, unknown, why) if unknown.any() else why)
        return self.out[name]

    def _values_typo(self, name: str, codes: pd.Series, unknown: pd.Series, why: str) -> pd.Series | str:
        """``why``, and where a code the mapping's ``values:`` translates holds in no row but is
        within a letter or two of an unknown code that does, that hint: "Supported accomodation"
        under ``values:`` never meets the "Supported accommodation" the export writes."""
        import difflib

        keys = {k for tm in self.tms for k in tm.values.get(name, {})}
        unused = sorted(keys - set(codes[~unknown].unique()) - set(codes.unique()))
        if not unused:
            return why
        hints = {}
        for u in codes[unknown].unique().tolist():
            near = difflib.get_close_matches(u, unused, n=1, cutoff=0.85)
            if near:
                hints[u] = f"{why} (the mapping's values: lists {near[0]!r}, which no row holds: a typo for this?)"
        return codes.map(hints).where(codes.isin(list(hints)), why) if hints else why

    # table-specific checks --------------------------------------------------------------

    def _locations(self) -> None:
        o = self.out
        grid = self.text["grid_reference"]
        if (grid != "").any():
            ge, gn, why = parse_grid_references(grid)
            self.soft(why.notna(), "grid_reference", why)
            use = o["easting"].isna() & o["northing"].isna() & ge.notna()
            o["easting"], o["northing"] = o["easting"].mask(use, ge), o["northing"].mask(use, gn)
        for a, b in (("latitude", "longitude"), ("easting", "northing")):
            ta, tb = o[a].isna(), o[b].isna()
            self.soft(~ta & tb & (self.text[b] == ""), b, f"{a} given without {b}", values=self.raw[a], blank=(a, b))
            self.soft(ta & ~tb & (self.text[a] == ""), a, f"{b} given without {a}", values=self.raw[b], blank=(a, b))
        lat, lon, e, n = o["latitude"].copy(), o["longitude"].copy(), o["easting"].copy(), o["northing"].copy()
        ll = lat.notna() & lon.notna()
        en = e.notna() & n.notna()
        from_bng = en & ~ll
        if from_bng.any():
            x, y = transform("bng_to_wgs84", e[from_bng].to_numpy(), n[from_bng].to_numpy())
            lon[from_bng], lat[from_bng] = x, y
        to_bng = ll & ~en
        if to_bng.any():
            x, y = transform("wgs84_to_bng", lon[to_bng].to_numpy(), lat[to_bng].to_numpy())
            e[to_bng], n[to_bng] = x, y
        lon_min, lat_min, lon_max, lat_max = GB_NI_BOUNDS
        has = lat.notna() & lon.notna()
        inside = lat.between(lat_min, lat_max) & lon.between(lon_min, lon_max)
        swapped = lon.between(lat_min, lat_max) & lat.between(lon_min, lon_max)
        outside = has & ~inside
        where = f"outside Great Britain and Northern Ireland (latitude {lat_min} to {lat_max}, longitude {lon_min} to {lon_max})"
        reason = pd.Series(where, index=lat.index).mask(swapped, where + "; latitude and longitude look swapped")
        value = self.raw["latitude"].str.strip() + ", " + self.raw["longitude"].str.strip()
        gridded = (self.text["easting"] == "") & (grid != "")
        value = value.mask(from_bng, self.raw["easting"].str.strip() + ", " + self.raw["northing"].str.strip())
        value = value.mask(from_bng & gridded, grid)
        o["latitude"], o["longitude"], o["easting"], o["northing"] = lat, lon, e, n
        both = ("latitude", "longitude", "easting", "northing")
        self.soft(outside & ~from_bng, "latitude", reason, values=value, blank=both)
        self.soft(outside & from_bng & ~gridded, "easting", reason, values=value, blank=both)
        self.soft(outside & from_bng & gridded, "grid_reference", reason, values=value, blank=both)
        keep = o["latitude"].notna()
        far, why = far_from_area(o["longitude"], o["latitude"], o["easting"], o["northing"],
                                 bounds=self.area.bounds, buffer_km=self.area.buffer_km,
                                 outlier_km=self.area.outlier_km)
        far = far & keep & ~self.bad
        col = pd.Series(np.where(from_bng, "easting", "latitude"), index=lat.index)
        for c in ("latitude", "easting"):
            self.warn(far & (col == c), c, why, values=value)

    def _episodes(self) -> None:
        o = self.out
        self.error(o["returned_at"] < o["reported_at"], "returned_at", "returned before the episode was reported")
        self.soft(o["rhi_at"] < o["returned_at"], "rhi_at", "Return Home Interview dated before the return")
        self.warn((o["rhi_outcome"] == "completed") & o["rhi_at"].isna() & (self.text["rhi_at"] == ""), "rhi_outcome",
                  "Return Home Interview completed but rhi_at is blank")

    def _links(self) -> None:
        o = self.out
        given = o["link_id"]
        before = given.notna() & given.duplicated(keep=False)  # already reported in run()
        if given.isna().any():
            o["link_id"] = given.mask(given.isna(), self._content_keys(given.isna()).reindex(given.index))
        dup = o["link_id"].duplicated(keep=False) & ~before  # content keys colliding with given ids
        self.error(dup, "link_id", "duplicate id (every row with this id is quarantined)")
        parts = [self.text[c] for c in GRADING_PART_COLUMNS]
        any_part = (parts[0] != "") | (parts[1] != "") | (parts[2] != "")
        all_part = (parts[0] != "") & (parts[1] != "") & (parts[2] != "")
        code = self.text["grading"]
        use_parts = (code == "") & any_part
        self.error(use_parts & ~all_part, "grading",
                   f"incomplete grading: give all three of {list(GRADING_PART_COLUMNS)}",
                   values=self.raw["source_evaluation"] + " / " + self.raw["intelligence_assessment"]
                   + " / " + self.raw["handling_code"])
        joined = parts[0] + parts[1] + " " + parts[2]
        code = code.mask(use_parts & all_part, joined)
        blank = code == ""
        parsed: dict[str, Any] = {}  # code -> Grading, or the reason it is invalid
        for u in code[~blank].unique():
            try:
                parsed[u] = parse_grading(u, scheme=self.scheme)
            except ValueError:
                other = "5x5x5" if self.scheme == "3x5x2" else "3x5x2"
                try:
                    parse_grading(u, scheme=other)
                    parsed[u] = f"a {other} code, but the dataset declares {self.scheme} (set grading_scheme in the mapping file)"
                except ValueError:
                    example = "'1A P'" if self.scheme == "3x5x2" else "'B2 4'"
                    parsed[u] = (f"not a valid {self.scheme} grading (expected e.g. {example}; map local codes "
                                 "with values: or take the code out with a pattern in the mapping)")
        got = code.map(parsed).astype(object)
        invalid = pd.Series([isinstance(g, str) for g in got], index=got.index, dtype=bool)
        values = self.raw["grading"].mask(use_parts, joined)
        self.error(invalid, "grading", got.where(invalid), values=values)
        ok = ~blank & ~invalid

        def attr(name: str) -> pd.Series:
            vals = [getattr(g, name) if k else "" for g, k in zip(got, ok, strict=True)]
            return _string(pd.Series(vals, index=got.index, dtype=str))

        o["grading"] = attr("code")
        o["source_evaluation"] = attr("source_evaluation")
        o["intelligence_assessment"] = attr("intelligence_assessment")
        o["handling_code"] = attr("handling_code")
        o["grading_scheme"] = _string(pd.Series(self.scheme, index=code.index).where(ok, ""))
        o["grading_original"] = _string(code.where(ok, ""))



# --- cross-table checks -----------------------------------------------------------------


def agency_slug(agency: str) -> str:
    """An agency's name as it qualifies an id: lower case, letters and digits joined by ``-``.

    Examples
    --------
    >>> agency_slug("Fellside Constabulary")
    'fellside-constabulary'
    """
    return re.sub(r"[^0-9a-z]+", "-", str(agency).casefold()).strip("-") or "agency"


def link_identity(link_ids: pd.Series, agencies: pd.Series) -> pd.Series:
    """Each link's identity across exports: a content key as it is (its agency is inside), an
    id sent by an agency as ``id@agency`` (two agencies' ``1001`` are two records, whichever
    month each is sent in), an id without an agency as it is.

    Examples
    --------
    >>> ids = pd.Series(["FC-I9001", "1001@eden-vale-council", "k-0123456789abcdef", "K7"])
    >>> link_identity(ids, pd.Series(["Fellside Constabulary", "Eden Vale Council", "Eden Vale Council", None])).tolist()
    ['FC-I9001@fellside-constabulary', '1001@eden-vale-council', 'k-0123456789abcdef', 'K7']
    """
    slugs: dict[Any, str] = {}
    out = []
    for i, a in zip(link_ids.astype(str).tolist(), agencies.astype(object).tolist(), strict=True):
        if a is None or a is pd.NA or (isinstance(a, float) and np.isnan(a)) or i.startswith("k-") and CONTENT_KEY.match(i):
            out.append(i)
            continue
        if a not in slugs:
            slugs[a] = "@" + agency_slug(a)
        out.append(i if i.endswith(slugs[a]) else i + slugs[a])
    return pd.Series(out, index=link_ids.index, dtype=object)


def _hashes(columns: list[pd.Series]) -> list[str]:
    """A 64-bit hash, as hex, of each row's fields joined by the unit separator."""
    blake = hashlib.blake2b
    rows = zip(*(c.astype(object).where(c.notna(), "").astype(str).tolist() for c in columns), strict=True)
    return [blake("\x1f".join(r).encode("utf-8"), digest_size=8).hexdigest() for r in rows]


def check_references(ch: TableChecker, column: str, targets: dict[str, tuple[pd.Index, pd.Index]], noun: str) -> None:
    """``column`` must name an accepted row of ``targets`` (``{table: (accepted, quarantined)}``)."""
    values = ch.out[column].astype(object)  # hashed lookups: much faster than Arrow-string isin
    present = values.notna()
    accepted = pd.Index([], dtype=object).append([a.astype(object) for a, _ in targets.values()])
    quarantined = pd.Index([], dtype=object).append([q.astype(object) for _, q in targets.values()])
    ok = values.isin(accepted)
    q = present & ~ok & values.isin(quarantined)
    ch.soft(q, column, f"refers to {noun} that was quarantined")
    ch.soft(present & ~ok & ~q, column, f"refers to an unknown {noun.split(' ', 1)[1]}")


def status(ch: TableChecker, extra: pd.Index | None = None) -> tuple[pd.Index, pd.Index]:
    """Accepted and quarantined ids of an entity table (``extra``: provisional ids made)."""
    ids = ch.out[ch.t.key]
    good = pd.Index(ids[~ch.bad & ids.notna()].unique())
    if extra is not None and len(extra):
        good = good.append(extra)
    bad = pd.Index(ids[ch.bad & ids.notna()].unique()).difference(good)
    return good, bad


def cross_entity_duplicates(checkers: dict[str, TableChecker]) -> None:
    """An id used in two entity tables quarantines both rows."""
    owners = {n: set(checkers[n].out[checkers[n].t.key].dropna()) for n in ENTITY_TABLES if n in checkers}
    for name, ids in owners.items():
        ch = checkers[name]
        for other, other_ids in owners.items():
            if other == name:
                continue
            clash = ids & other_ids
            if clash:
                col = ch.out[ch.t.key]
                ch.error(col.isin(clash), ch.t.key,
                         f"id also used in {other} (ids must be unique across children, persons and locations)")


def relation_kinds(ch: TableChecker) -> None:
    """Warn when a relation's endpoints are not the kinds it joins."""
    o = ch.out
    rel, sk, tk = o["relation"], o["source_kind"], o["target_kind"]
    loc = (sk == "location").fillna(False).astype(int) + (tk == "location").fillna(False).astype(int)
    both = sk.notna() & tk.notna() & ~ch.bad
    ch.warn(both & rel.isin(list(PEOPLE_RELATIONS)) & (loc > 0), "relation",
            "relation between people used with a location")
    ch.warn(both & rel.isin(list(PLACE_RELATIONS)) & (loc != 1), "relation",
            "relation between a person and a place used without exactly one location")

