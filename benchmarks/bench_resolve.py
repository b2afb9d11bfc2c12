"""Time person resolution on N invented person records (default 50,000; target <= 60 s).

Records come from a variant generator in this file: invented entities (forename from 120,
surname from 600, date of birth over 40 years), each written 1-3 times with the variants
the sample generator plants (initial, surname initial, typo, "SURNAME, Forename", short
forename, DOB day/month swap or one part off, missing DOB, aliases, shared phone). Prints
the time and pairwise precision/recall against the planted truth, then (untimed) the
blocking recall (share of true pairs ever compared) and the pairwise recall before
clustering, so that a recall shortfall can be put down to blocking or to scoring.

    .venv/bin/python benchmarks/bench_resolve.py [--records 50000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from eval_resolve import blocking_recall, pair_scores  # noqa: E402

from contextmap.resolve.dataset import resolve_persons  # noqa: E402
from contextmap.resolve.example import build_dataset  # noqa: E402

_SYL = "ka ty ler ja den ma son ri ley ro wan be la mi a na ell io sh an ty ne dre".split()


def _word(rng: np.random.Generator, k: int) -> str:
    return "".join(rng.choice(_SYL, k)).capitalize()


def generate(n_records: int, seed: int) -> tuple[list[dict], dict[str, str]]:
    rng = np.random.default_rng(seed)
    fores = sorted({_word(rng, 2) for _ in range(400)})[:120]
    surs = sorted({_word(rng, 3) for _ in range(3000)})[:600]
    rows: list[dict] = []
    truth: dict[str, str] = {}
    e = 0
    while len(rows) < n_records:
        f, s = fores[rng.integers(len(fores))], surs[rng.integers(len(surs))]
        dob = np.datetime64("1975-01-01") + np.timedelta64(int(rng.integers(0, 40 * 365)), "D")
        alias = f"Big {f[0]}{s[0]}" if rng.random() < 0.3 else None
        phone = f"07700 9{int(rng.integers(0, 100000)):05d}" if rng.random() < 0.3 else None
        k = int(rng.choice([1, 2, 3], p=[0.6, 0.3, 0.1]))
        for j in range(k):
            name = f"{f} {s}"
            if j:
                r = rng.random()
                name = (f"{f[0]} {s}" if r < 0.25 else f"{f} {s[0]}" if r < 0.4 else
                        f"{f} {s[:2]}{s[3]}{s[2]}{s[4:]}" if r < 0.6 else f"{s.upper()}, {f}" if r < 0.75 else
                        f"{f[:3]} {s}" if r < 0.88 else name.lower())
            y, m, d = (int(x) for x in str(dob).split("-"))
            if j and rng.random() < 0.4:
                if d <= 12 and d != m:  # swapped
                    m, d = d, m
                elif (m, d) != (2, 29):
                    y += 1
            rows.append({"person_id": f"P{len(rows):06d}", "name": name,
                         "aliases": alias if rng.random() < 0.6 else None,
                         "date_of_birth": None if rng.random() < (0.08 if j == 0 else 0.3) else f"{y:04d}-{m:02d}-{d:02d}",
                         "gender": "male" if rng.random() < 0.9 else None,
                         "phone": phone if rng.random() < 0.7 else None})
            truth[rows[-1]["person_id"]] = f"E{e}"
        e += 1
    return rows[:n_records], truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=-1)
    ap.add_argument("--engine", default="duckdb", help="resolve_persons engine: duckdb (Splink), spark, fixed")
    ap.add_argument("--max-block", type=int, default=None, help="resolve_persons(max_block_size=...)")
    args = ap.parse_args()
    rows, truth = generate(args.records, args.seed)
    ds = build_dataset(persons=rows)
    t0, c0 = time.perf_counter(), time.process_time()
    res = resolve_persons(ds, workers=args.workers, max_block_size=args.max_block, engine=args.engine)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    import pandas as pd

    e = res.entities.set_index("record_id")["entity_id"]
    scores = pair_scores(e, pd.Series(truth).reindex(e.index))
    print(f"engine={args.engine} records={len(rows)} seconds={secs:.1f} cpu_seconds={cpu:.1f} stats={res.stats} {scores}")
    if res.model is not None:
        print(f"  {res.model.note}; Splink steps (s): {res.model.extra['seconds']}")
    # where recall is lost: never compared (blocking) or compared but scored below threshold
    print(f"blocking and pairwise recall (not timed): {blocking_recall(ds, pd.Series(truth))}")


if __name__ == "__main__":
    main()
