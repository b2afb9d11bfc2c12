"""Score person-record pairs with Splink: a Fellegi-Sunter model whose m-probabilities are
estimated by EM and whose u-probabilities come from random sampling.

Splink (maintained by the Ministry of Justice) is the scoring engine; contextmap keeps the
blocking (its candidate pairs are handed to Splink), the analyst's decisions, the
anti-chaining guard inside the clustering, mention linking and the plain-word
explanations. The same model runs on DuckDB (embedded, the default) or on Spark.

Small datasets (under :data:`MIN_RECORDS_FOR_EM` records) do not give EM enough matching
pairs to learn from: there the m-probabilities are the documented fixed priors of
:data:`PRIOR_M` (u is still estimated from the data, by sampling every pair) and the
result says so (``model.trained`` is ``'fixed priors'``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from contextmap._errors import ConfigError

__all__ = [
    "ENGINES",
    "LEVEL_WORDS",
    "check_engine",
    "local_spark",
    "MIN_RECORDS_FOR_EM",
    "MIN_PAIRS_FOR_EM",
    "RARE_ALIAS",
    "PRIOR_M",
    "PRIOR_U",
    "FIXED_M",
    "SplinkModel",
    "score_pairs",
]

ENGINES = ("duckdb", "spark")
"""Backends Splink runs on: ``duckdb`` (embedded, default) and ``spark``."""

RARE_ALIAS = 3
"""An alias held (as a name or an alias) by at most this many records is *rare*: strong
evidence. One that more records hold ("Big D") is weaker, learnt as its own level."""

MIN_PAIRS_FOR_EM = 200
"""EM runs over the pairs of records that share a date of birth: with fewer than this many
it has nothing to learn from, and the fixed priors are used (and the model says why)."""

U_CHUNKS = 10  # Splink's default: one chunk of 1e6 pairs ran 100x slower on DuckDB

MIN_RECORDS_FOR_EM = 1000
"""Below this many records the m-probabilities are fixed priors, not EM estimates."""

# m-probabilities (the share of true matches at each level), used as EM's starting values
# and, for small datasets, as the model itself. Order = the comparison's levels after its
# null level. Chosen from the sample generator and FEBRL's documented corruption rates
# (about one field in five corrupted, a typo the commonest corruption).
PRIOR_M: dict[str, tuple[float, ...]] = {
    # exact, nickname form, initial, Jaro-Winkler >= 0.9, equals the other's surname,
    # Jaro-Winkler >= 0.7, other
    "forename": (0.70, 0.04, 0.08, 0.08, 0.02, 0.04, 0.04),
    # exact, initial, Jaro-Winkler >= 0.9, equals the other's forename, Jaro-Winkler >= 0.7,
    # other
    "surname": (0.78, 0.06, 0.08, 0.02, 0.03, 0.03),
    # exact, day/month swapped, one character off, within a month, two characters off, other
    "dob": (0.80, 0.05, 0.08, 0.02, 0.03, 0.02),
    # agrees, differs
    "gender": (0.97, 0.03),
    # an alias equals the other record's name or alias, neither
    # a rare alias (held by at most RARE_ALIAS records) equals the other's name or alias, a
    # common one does ("Big D"), neither
    "alias": (0.35, 0.10, 0.55),
    # a phone, vehicle or social-media handle shared, none shared
    "identifier": (0.50, 0.50),
    # a linked child in common, none in common (both records linked to children)
    "linked_child": (0.60, 0.40),
}

# Levels whose m EM does not estimate (positions in PRIOR_M): rare levels, where EM drives m
# to nearly 0 and the weight to -hundreds, and the date of birth and gender, where records
# that share a name and an alias but are different people (namesakes; aliases made from
# names, "Big T") teach EM that a differing date of birth is normal for a match.
FIXED_M: dict[str, tuple[int, ...]] = {
    "forename": (1, 4),
    "surname": (3,),
    "dob": (0, 1, 2, 3, 4, 5),
    "gender": (0, 1),
}

# u-probabilities (the share of non-matching pairs at each level) for small datasets, where
# sampling a few hundred records cannot measure them; same order as PRIOR_M. Rounded from
# Splink's estimates on FEBRL (5,000-10,000 records) and the sample generator at region scale.
PRIOR_U: dict[str, tuple[float, ...]] = {
    "forename": (0.004, 0.0003, 0.006, 0.0016, 0.001, 0.025, 0.9621),
    "surname": (0.0035, 0.003, 0.0009, 0.001, 0.015, 0.9766),
    "dob": (0.0007, 0.0001, 0.001, 0.0013, 0.013, 0.9839),
    "gender": (0.5, 0.5),
    "alias": (0.001, 0.005, 0.994),
    "identifier": (0.0001, 0.9999),
    "linked_child": (0.05, 0.95),
}

LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "forename": ("forename missing", "forename exact", "forename nickname", "forename initial matches",
                 "forename similar (typo or short form)", "forename equals the other's surname",
                 "forename loosely similar", "forename differs"),
    "surname": ("surname missing", "surname exact", "surname initial matches", "surname similar (typo)",
                "surname equals the other's forename", "surname loosely similar", "surname differs"),
    "dob": ("DOB missing", "DOB exact", "DOB day/month swapped", "DOB one character off",
            "DOB within a month", "DOB two characters off", "DOB differs"),
    "gender": ("gender missing", "gender agrees", "gender differs"),
    "alias": ("no aliases", "alias equals a name or alias", "a common alias (held by many) in common",
              "no alias in common"),
    "identifier": ("no identifiers", "identifier shared", "no identifier in common"),
    "linked_child": ("not both linked to children", "linked to a child in common", "no linked child in common"),
}
"""Plain words for each comparison level (index = Splink's level position, null first)."""


@dataclass
class SplinkModel:
    """What Splink learnt: how it was trained, and the weight of every level.

    Attributes
    ----------
    engine
        ``'duckdb'`` or ``'spark'``.
    trained
        ``'EM'`` (m by expectation maximisation) or ``'fixed priors'`` (too few records).
    probability_two_random_records_match
        The prior, lambda.
    levels
        One row per comparison level: ``comparison``, ``level``, ``label``,
        ``m_probability``, ``u_probability``, ``match_weight`` (log2 m/u).
    note
        A sentence saying how the model was trained, for reports.
    """

    engine: str
    trained: str
    probability_two_random_records_match: float
    levels: pd.DataFrame
    note: str = ""
    records: int = 0
    extra: dict = field(default_factory=dict)


def check_engine(engine: object) -> None:
    """Raise ``ConfigError`` unless ``engine`` is ``'duckdb'``, ``'spark'`` or ``'fixed'``."""
    if engine not in (*ENGINES, "fixed"):
        raise ConfigError(f"Expected engine to be one of {(*ENGINES, 'fixed')!r}, instead got: {engine!r}")


def _settings(*, with_kids: bool, with_alias: bool, with_ident: bool, with_gender: bool, prior: float,
              fixed: bool):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def levels(name: str, items: list) -> list:
        # the priors: EM's starting m values, or (fixed) the whole model; levels in
        # FIXED_M keep their prior m whatever EM says
        out = [items[0]]
        for i, (lvl, mp, up) in enumerate(zip(items[1:], PRIOR_M[name], PRIOR_U[name], strict=True)):
            if fixed:
                out.append(lvl.configure(m_probability=mp, u_probability=up))
            else:
                out.append(lvl.configure(m_probability=mp, fix_m_probability=i in FIXED_M.get(name, ())))
        return out

    fore = levels("forename", [
        cll.NullLevel("forename"),
        cll.ExactMatchLevel("forename", term_frequency_adjustments=True),
        cll.ExactMatchLevel("forename_form").configure(label_for_charts="nickname"),
        cll.CustomLevel("(length(forename_l) = 1 or length(forename_r) = 1) and "
                        "substr(forename_l, 1, 1) = substr(forename_r, 1, 1)", "initial"),
        # a typo, or a short form no table lists ("Dec" / "Declan", "Finn" / "Finley": one forename
        # the start of the other, both of 3+ letters), as the fixed weights read it
        cll.Or(cll.JaroWinklerLevel("forename", 0.9),
               cll.CustomLevel("least(length(forename_l), length(forename_r)) >= 3 and "
                               "(substr(forename_l, 1, length(forename_r)) = forename_r or "
                               "substr(forename_r, 1, length(forename_l)) = forename_l)")),
        cll.CustomLevel("forename_l = surname_r or forename_r = surname_l", "equals other's surname"),
        cll.JaroWinklerLevel("forename", 0.7),
        cll.ElseLevel(),
    ])
    sur = levels("surname", [
        cll.NullLevel("surname"),
        cll.ExactMatchLevel("surname", term_frequency_adjustments=True),
        cll.CustomLevel("(length(surname_l) = 1 or length(surname_r) = 1) and "
                        "substr(surname_l, 1, 1) = substr(surname_r, 1, 1)", "initial"),
        cll.JaroWinklerLevel("surname", 0.9),
        cll.CustomLevel("surname_l = forename_r or surname_r = forename_l", "equals other's forename"),
        cll.JaroWinklerLevel("surname", 0.7),
        cll.ElseLevel(),
    ])
    dob = levels("dob", [
        cll.NullLevel("dob"),
        cll.ExactMatchLevel("dob"),
        cll.CustomLevel("dob_l = dob_swapped_r", "day/month swapped"),
        cll.DamerauLevenshteinLevel("dob", 1),
        cll.AbsoluteDateDifferenceLevel("dob", input_is_string=True, threshold=31, metric="day"),
        cll.DamerauLevenshteinLevel("dob", 2),
        cll.ElseLevel(),
    ])
    gender = levels("gender", [cll.NullLevel("gender"), cll.ExactMatchLevel("gender"), cll.ElseLevel()])
    comps: list = [
        cl.CustomComparison(fore, "forename", "forename"),
        cl.CustomComparison(sur, "surname", "surname"),
        cl.CustomComparison(dob, "dob", "date of birth"),
    ]
    if with_gender:
        comps.append(cl.CustomComparison(gender, "gender", "gender"))
    if with_alias:
        comps.append(cl.CustomComparison(levels("alias", [
            cll.CustomLevel("aliases_l is null and aliases_r is null").configure(is_null_level=True),
            cll.Or(cll.ArrayIntersectLevel("rare_aliases", 1),
                   cll.CustomLevel("array_contains(rare_aliases_l, full_name_r) or "
                                   "array_contains(rare_aliases_r, full_name_l)")),
            cll.Or(cll.ArrayIntersectLevel("aliases", 1),
                   cll.CustomLevel("array_contains(aliases_l, full_name_r) or array_contains(aliases_r, full_name_l)")),
            cll.ElseLevel(),
        ]), "alias", "alias"))
    if with_ident:
        comps.append(cl.CustomComparison(levels("identifier", [
            cll.NullLevel("identifiers"), cll.ArrayIntersectLevel("identifiers", 1), cll.ElseLevel(),
        ]), "identifier", "identifier"))
    if with_kids:
        comps.append(cl.CustomComparison(levels("linked_child", [
            cll.NullLevel("linked_children"), cll.ArrayIntersectLevel("linked_children", 1), cll.ElseLevel(),
        ]), "linked_child", "linked child"))
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comps,
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=[block_on("forename", "surname")],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
        additional_columns_to_retain=[],
    )


@contextmanager
def _backend(engine: str, workdir: str, spark=None, *, threads: int = 2):
    """A Splink database API whose temporary files live only in ``workdir`` (never the
    user's dataset folder, never the working directory) and that installs nothing; DuckDB
    runs on ``threads`` threads."""
    if engine == "duckdb":
        import duckdb
        from splink import DuckDBAPI

        con = duckdb.connect(":memory:", config={
            "temp_directory": workdir, "autoinstall_known_extensions": False,
            "threads": threads, "preserve_insertion_order": False,
        })
        try:
            api = DuckDBAPI(con)
            api.contextmap_threads = lambda n: con.execute(f"SET threads = {int(n)}")  # type: ignore[attr-defined]
            yield api
        finally:
            con.close()
    elif engine == "spark":
        from splink import SparkAPI

        own = spark is None
        if own:
            spark = local_spark(workdir)
        spark.sparkContext.setCheckpointDir(workdir)
        try:
            yield SparkAPI(spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=2)
        finally:
            if own:
                spark.stop()
    else:
        raise ConfigError(f"Expected engine to be one of {ENGINES!r}, instead got: {engine!r}")


def local_spark(workdir: str, *, master: str = "local[2]"):
    """A Spark session in local mode with Splink's similarity functions, writing only into
    ``workdir``, with no web UI. (On a cluster, pass your own session instead.)"""
    try:
        from pyspark.sql import SparkSession
        from splink.backends.spark import similarity_jar_location
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError("engine 'spark' needs pyspark: pip install 'contextmap[spark]' "
                          "(and a Java runtime)") from exc
    session = (
        SparkSession.builder.master(master).appName("contextmap-resolve")
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.enabled", "false")
        .config("spark.local.dir", workdir)
        .config("spark.sql.warehouse.dir", workdir + "/warehouse")
        .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={workdir} -Dderby.system.home={workdir}")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def score_pairs(
    data: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    engine: str = "duckdb",
    seed: int = 1,
    prior: float,
    max_pairs_u: float = 1e5,
    spark=None,
    train: np.ndarray | None = None,
    threads: int = 2,
) -> tuple[pd.DataFrame, SplinkModel]:
    """Train the model on ``data`` and score the candidate ``pairs`` (columns ``a``, ``b``,
    row positions with a < b).

    ``train`` (bool per row of ``data``, default all): the records the model learns from (u
    by sampling, m by EM, which comparisons there are, names' term frequencies); the other
    records (children's records, matched to person records) are only scored, with that
    model, so they change no person-person score.

    Returns the pairs with ``p`` (match probability), ``weight`` (total match weight) and one
    ``w_<comparison>`` / ``g_<comparison>`` column per comparison (its match weight, term
    frequency included, and its level), in the order of ``pairs``; and the model.

    ``threads``: DuckDB's threads for scoring the pairs (training runs on one: its sums then
    add in one order, and the model is the same from run to run).
    """
    from splink import Linker, block_on

    full = data
    if train is not None:
        data = data[np.asarray(train, dtype=bool)].reset_index(drop=True)
    n = len(data)
    with_gender = data["gender"].notna().sum() >= 2
    with_alias = data["aliases"].notna().any()
    with_ident = data["identifiers"].notna().any()
    with_kids = data["linked_children"].notna().sum() >= 2
    dob_counts = data["dob"].dropna().value_counts().to_numpy(dtype=np.int64)
    em_pairs = int((dob_counts * (dob_counts - 1) // 2).sum())
    use_em = n >= MIN_RECORDS_FOR_EM and em_pairs >= MIN_PAIRS_FOR_EM
    why = "" if use_em or n < MIN_RECORDS_FOR_EM else (
        f"only {em_pairs:,} pairs of records share a date of birth (EM needs {MIN_PAIRS_FOR_EM:,})")

    def settings():
        return _settings(with_kids=with_kids, with_alias=with_alias, with_ident=with_ident,
                         with_gender=with_gender, prior=float(prior), fixed=not use_em)

    workdir = tempfile.mkdtemp(prefix="contextmap-splink-")
    splink_log = logging.getLogger("splink")
    old_level = splink_log.level
    splink_log.setLevel(logging.ERROR)
    try:
        with _quiet_pyspark(), _backend(engine, workdir, spark, threads=threads) as db:
            clock = _Clock()
            table = db.register(data)
            linker = Linker(table, settings(), log_level=logging.ERROR)
            clock("setup")
            # training on one thread: EM sums over the pairs, and DuckDB's parallel sums add in
            # whichever order its threads finish (m differing in the 15th digit from run to run);
            # scoring, a value per pair, on ``threads``
            threads_for = getattr(db, "contextmap_threads", None)
            if threads_for is not None and use_em:
                threads_for(1)
            if use_em:
                linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs_u, seed=seed, num_chunks=U_CHUNKS)
                clock("u by random sampling")
                # one EM session over the pairs sharing a date of birth estimates the name,
                # alias, identifier and linked-child levels (DOB and gender m are fixed)
                linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
                clock("m by EM")
            if threads_for is not None and use_em:
                threads_for(threads)
            bp = pd.DataFrame({"match_key": "0", "join_key_l": pairs["a"].to_numpy(dtype=np.int64),
                               "join_key_r": pairs["b"].to_numpy(dtype=np.int64)})
            scorer = linker
            if len(full) != n:
                # the trained model, over every record; names weighted by the training records
                tf = {c: linker.table_management.compute_tf_table(c) for c in ("forename", "surname")}
                scorer = Linker(db.register(full), linker.misc.save_model_to_json(), log_level=logging.ERROR)
                for c, t in tf.items():
                    scorer.table_management.register_term_frequency_lookup(t, c)
            scorer.table_management.register_blocked_pairs_for_predict(db.register(bp))
            pred = _fetch(scorer.inference.predict(), engine)
            clock("predict")
            model = _model(linker, engine, "EM" if use_em else "fixed priors", n, why)
            model.extra["seconds"] = clock.times
    finally:
        splink_log.setLevel(old_level)
        shutil.rmtree(workdir, ignore_errors=True)
    return _scores(pred, pairs, [c["comparison"] for c in model.extra["comparisons"]]), model


@contextmanager
def _quiet_pyspark():
    """pyspark 4.3 warns that it does not yet fully support pandas 3 (the columns we hand it
    are plain numbers, strings and lists of strings): silence that one warning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
        yield


class _Clock:
    """Seconds per step, for benchmarks (``model.extra['seconds']``)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self._t = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.times[step] = round(now - self._t, 3)
        self._t = now


def _fetch(pred, engine: str) -> dict[str, np.ndarray]:
    """Only the columns we read, straight from the engine (the full table carries every
    record's fields twice), as one array per column: a DataFrame of them was copied into
    blocks on the way (2 s at 100,000 episodes) only to be read back column by column."""
    names = [c.unquote().name for c in pred.columns]
    cols = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    cols += [c for c in names if c.startswith(("mw_", "gamma_"))]
    if engine == "duckdb":
        got = pred.as_duckdbpyrelation().select(*cols).fetchnumpy()
        return {c: np.asarray(v.filled(np.nan) if np.ma.isMaskedArray(v) else v) for c, v in got.items()}
    frame = pred.as_spark_dataframe().select(*cols).toPandas()
    return {c: frame[c].to_numpy() for c in frame.columns}


def _scores(pred: dict[str, np.ndarray], pairs: pd.DataFrame, comparisons: list[str]) -> pd.DataFrame:
    out = pd.DataFrame({"a": np.asarray(pred["unique_id_l"], dtype=np.int64),
                        "b": np.asarray(pred["unique_id_r"], dtype=np.int64),
                        "p": np.asarray(pred["match_probability"], dtype=float),
                        "weight": np.asarray(pred["match_weight"], dtype=float)})
    for c in comparisons:
        w = np.asarray(pred[f"mw_{c}"], dtype=float)
        if f"mw_tf_adj_{c}" in pred:
            w = w + np.nan_to_num(np.asarray(pred[f"mw_tf_adj_{c}"], dtype=float), nan=0.0)
        out[f"w_{c}"] = w
        out[f"g_{c}"] = np.asarray(pred[f"gamma_{c}"], dtype=np.int64)
    key = pairs[["a", "b"]].reset_index().rename(columns={"index": "_order"})
    out = key.merge(out, on=["a", "b"], how="left").sort_values("_order", kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def _model(linker, engine: str, trained: str, n: int, why: str = "") -> SplinkModel:
    s = linker._settings_obj
    rows = []
    comps = []
    for comp in s.comparisons:
        name = comp.output_column_name
        comps.append({"comparison": name})
        nonnull = [lv for lv in comp.comparison_levels if not lv.is_null_level]
        for lv in comp.comparison_levels:
            m, u = (None, None) if lv.is_null_level else (lv.m_probability, lv.u_probability)
            rows.append({"comparison": name, "level": lv.comparison_vector_value,
                         "label": lv.label_for_charts, "m_probability": m, "u_probability": u,
                         "match_weight": None if lv.is_null_level or not m or not u else float(np.log2(m / u))})
        del nonnull
    lam = float(s._probability_two_random_records_match)
    note = (f"Splink model on {engine}: m-probabilities estimated by EM over {n:,} records, "
            "u by random sampling, names weighted by how common they are" if trained == "EM" else
            f"Splink model on {engine}: " + (why or f"{n:,} records are too few for EM to learn from "
                                              f"(fewer than {MIN_RECORDS_FOR_EM:,})")
            + ", so the m- and u-probabilities are the documented fixed priors (PRIOR_M, PRIOR_U)")
    return SplinkModel(engine, trained, lam, pd.DataFrame(rows), note, n, {"comparisons": comps})
