"""Synthetic sample data: a wholly fictional dataset with planted structure and its truth.

:func:`generate_sample` builds the five contract tables (children, persons, locations,
episodes, links) in *input* form, the text a council export would hold, together with the
ground truth that the analyses and entity resolution are measured against (peer groups,
hotspots, persons of concern, duplicate person and place records, RHI mentions).
:func:`write_sample` writes them as CSV files plus ``truth/``. See ``docs/sample-data.md``
for how the structure is planted and what every truth file means.

Every name is invented (given names and surnames combined at random; invented places,
streets, towns and villages); the world is one town round Carlisle, Cumbria, or from
:data:`~contextmap.sample.world.REGION_FROM` children a county of towns and villages
(:mod:`contextmap.sample.world`); postcodes look like ``CA`` postcodes but are made up;
phone numbers come from Ofcom's range reserved for drama (07700 900xxx).
The same arguments always give byte-identical files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from contextmap.dataset import Dataset
from contextmap.files import check_new_files
from contextmap.ingest import load
from contextmap.sample.geography import AREAS_FILE, BASEMAP_FILE, write_sample_geography
from contextmap.sample.truth import Truth
from contextmap.schema import TABLE_NAMES, TABLES

__all__ = [
    "SampleData",
    "generate_sample",
    "write_sample",
    "DEFAULT_END",
    "DEFAULT_NOISE",
    "EPISODES_PER_CHILD",
    "TRUTH_FILES",
]

DEFAULT_END = "2026-10-31"
"""Last day of the generated period (fixed, so the committed sample is reproducible)."""

DEFAULT_NOISE = 1.0
"""Default amount of background noise (0: none; 2: twice the default)."""

EPISODES_PER_CHILD = 2.75
"""Average episodes per child at the defaults (12 months); ``episodes_target`` uses it."""

TRUTH_FILES = (
    "peer_groups",
    "hotspots",
    "persons_of_concern",
    "person_records",
    "location_records",
    "mentions",
    "decoys",
)

@dataclass
class SampleData:
    """A generated dataset: the five tables in input form and the planted truth.

    Attributes
    ----------
    tables
        ``children``, ``persons``, ``locations``, ``episodes``, ``links``: DataFrames of
        text cells exactly as written to CSV (``''`` for a blank cell).
    truth
        ``peer_groups``, ``hotspots``, ``persons_of_concern``, ``person_records``,
        ``location_records``, ``mentions`` (see ``docs/sample-data.md``).
    params
        The generation parameters and headline counts (written to ``truth/truth.json``).
    """

    tables: dict[str, pd.DataFrame]
    truth: dict[str, pd.DataFrame]
    params: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def to_dataset(self) -> Dataset:
        """The tables as :func:`contextmap.load` reads them (through a temporary folder).

        The dataset is exactly what loading the written files gives; its ``source`` is
        ``None`` because the folder is gone once it is read.

        Examples
        --------
        >>> ds = generate_sample(children=20, seed=1).to_dataset()
        >>> len(ds.children), ds.report.is_clean
        (20, True)
        """
        import dataclasses
        import tempfile

        with tempfile.TemporaryDirectory(prefix="contextmap-sample-") as tmp:
            ds = load(self.write(Path(tmp) / "sample"))
        return dataclasses.replace(ds, source=None)

    def write(self, out_dir: str | Path, *, overwrite: bool = False) -> Path:
        """Write the tables as CSV and the truth under ``out_dir/truth/``; return ``out_dir``.

        Also writes the sample's geography, derived from its locations
        (:mod:`contextmap.sample.geography`): ``basemap.gpkg`` and ``areas.gpkg``.

        Raises :class:`~contextmap.OutputExistsError` if a file would be replaced and
        ``overwrite`` is false.
        """
        out = Path(out_dir)
        targets = [out / f"{n}.csv" for n in TABLE_NAMES]
        targets += [out / "truth" / f"{n}.csv" for n in TRUTH_FILES] + [out / "truth" / "truth.json"]
        targets += [out / BASEMAP_FILE, out / AREAS_FILE]
        check_new_files(targets, overwrite=overwrite)
        (out / "truth").mkdir(parents=True, exist_ok=True)
        for name in TABLE_NAMES:
            _write_csv(self.tables[name], out / f"{name}.csv")
        for name in TRUTH_FILES:
            _write_csv(self.truth[name], out / "truth" / f"{name}.csv")
        text = json.dumps(self.params, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
        (out / "truth" / "truth.json").write_text(text, encoding="utf-8", newline="\n")
        write_sample_geography(self.tables["locations"], out, seed=int(str(self.params.get("seed", 0))))
        return out


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


# --- the generator ---------------------------------------------------------------------


def generate_sample(
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 12,
    end: str | None = None,
    noise: float = DEFAULT_NOISE,
    episodes_target: int | None = None,
) -> SampleData:
    """Generate a wholly fictional dataset with planted peer groups, hotspots and persons.

    Parameters
    ----------
    children
        Number of children. Ignored when ``episodes_target`` is given.
    seed
        Seed for :func:`numpy.random.default_rng`; the same arguments give identical tables.
    months
        Length of the period, ending on ``end``.
    end
        Last day of the period (ISO date); defaults to :data:`DEFAULT_END` so that output
        does not depend on the day it is generated. No generated date lies after it.
    noise
        Amount of background noise relative to the default (one-off contacts, random
        visits, cross-group and E-graded links): 0 plants clean structure, 2 doubles it.
    episodes_target
        Aim at about this many episodes: sets ``children`` to
        ``episodes_target / EPISODES_PER_CHILD`` (the count reached is approximate).

    Returns
    -------
    SampleData
        The tables in input form and the truth tables.

    Examples
    --------
    >>> s = generate_sample(children=40, seed=1)
    >>> sorted(s.tables)
    ['children', 'episodes', 'links', 'locations', 'persons']
    >>> len(s.children)
    40
    >>> set(s.truth["peer_groups"]["child_id"]) <= set(s.children["child_id"])
    True
    """
    if episodes_target is not None:
        if isinstance(episodes_target, bool) or not isinstance(episodes_target, (int, np.integer)) or episodes_target < 40:
            raise ValueError(f"Expected episodes_target to be a whole number of at least 40, instead got: {episodes_target!r}")
        children = max(10, round(episodes_target / EPISODES_PER_CHILD))
    if isinstance(children, bool) or not isinstance(children, (int, np.integer)) or children < 10:
        raise ValueError(f"Expected children to be a whole number of at least 10, instead got: {children!r}")
    if isinstance(months, bool) or not isinstance(months, (int, np.integer)) or not 1 <= months <= 120:
        raise ValueError(f"Expected months to be a whole number from 1 to 120, instead got: {months!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0 <= noise <= 10 or math.isnan(noise):
        raise ValueError(f"Expected noise to be a number from 0 to 10, instead got: {noise!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"Expected seed to be a non-negative whole number, instead got: {seed!r}")
    end_text = DEFAULT_END if end is None else str(end)
    try:
        end_day = pd.Timestamp(end_text).normalize()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"Expected end to be an ISO date such as '2026-10-31', instead got: {end!r}") from exc
    return _Generator(int(children), int(seed), int(months), end_day, float(noise)).run()


def write_sample(
    out_dir: str | Path,
    *,
    children: int = 150,
    seed: int = 0,
    months: int = 12,
    end: str | None = None,
    noise: float = DEFAULT_NOISE,
    episodes_target: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Generate a sample (see :func:`generate_sample`) and write it to ``out_dir``.

    Writes ``children.csv``, ``persons.csv``, ``locations.csv``, ``episodes.csv``,
    ``links.csv`` and ``truth/`` (the truth tables and ``truth.json``).

    Raises
    ------
    OutputExistsError
        If sample files already exist in ``out_dir`` and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile
    >>> out = write_sample(tempfile.mkdtemp(), children=30, seed=3)
    >>> sorted(p.name for p in out.glob("*.csv"))
    ['children.csv', 'episodes.csv', 'links.csv', 'locations.csv', 'persons.csv']
    """
    data = generate_sample(children=children, seed=seed, months=months, end=end, noise=noise,
                           episodes_target=episodes_target)
    return data.write(out_dir, overwrite=overwrite)


class _Generator(Truth):
    """One generation run: the layers world -> people -> events -> truth, in that order.

    Entities are built with small loops; episodes and links with numpy.
    """

    def run(self) -> SampleData:
        self._settlements()
        self._groups()
        self._places()
        self._assign_location_ids()
        self._persons()
        self._reach()
        female = self._child_names()
        self._episodes()
        self._links()
        self._mentions()
        tables = {
            "children": self._children_table(female),
            "persons": self._persons_table(),
            "locations": self._locations_table(),
            "episodes": self._episodes_table(),
            "links": self._links_table(),
        }
        for name, df in tables.items():
            assert tuple(df.columns) == TABLES[name].column_names[: len(df.columns)], name
        return SampleData(tables=tables, truth=self._truth(tables), params=self._params(tables))
