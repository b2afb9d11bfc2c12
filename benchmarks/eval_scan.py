"""Evaluation: false positives of the scan that reads as a person reads, on the sample packs.

A false positive refuses a pack that discloses nothing. This script counts them where every
hit would be one, because the redaction has already removed every identifier:

1. the committed sample (``data/sample``): a pack for every audience (internal, police,
   social-care, partner), without PDF; each must build and publish (the scan refuses on any
   hit), and its hits are counted again outside the pack build;
2. a generated sample of ``--children`` children (default 2000): the partner pack, and the
   hits of its outputs against the forbidden strings;
3. the disguise check of the input (``privacy.disguised_names``) on both samples: every name
   field it flags is a false positive (the generator writes plain names);
4. ordinary prose: README.md and docs/*.md scanned against the generated sample's forbidden
   names (place names, ordinary words, street names holding a child's forename).

Writes under benchmarks/out/eval_scan/ (not committed). Run:
``python benchmarks/eval_scan.py [--children N]``.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import contextmap
from contextmap import privacy
from contextmap.pack.build import build_pack
from contextmap.sample.generate import generate_sample

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "eval_scan"
KEY = privacy.Pseudonymiser(b"evaluation key, not for real data")
AUDIENCES = ("internal", "police", "social-care", "partner")


def _pack(data: Path, audience: str, out: Path) -> tuple[bool, int, int, float]:
    """Build a pack; (published, hits against its own forbidden set, files, seconds)."""
    t = time.perf_counter()
    try:
        r = build_pack(data, out=out, audience=audience, pdf=False, pseudonymiser=KEY, audit_log=OUT / "audit.jsonl")
    except contextmap.PrivacyError as exc:
        print(f"  {audience}: REFUSED ({exc})")
        return False, len(getattr(exc, "hits", [])), 0, time.perf_counter() - t
    ds = contextmap.load(data)
    hits = privacy.scan_outputs([r.out], privacy.forbidden_identifiers(ds, audience))
    return True, len(hits), len(r.files), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=2000)
    args = ap.parse_args()
    if OUT.exists():
        shutil.rmtree(OUT)  # benchmarks/out is this script's own folder
    OUT.mkdir(parents=True)
    sample = ROOT / "data" / "sample"
    print("1. data/sample, every audience (no PDF):")
    for aud in AUDIENCES:
        ok, hits, files, secs = _pack(sample, aud, OUT / f"sample-{aud}")
        print(f"  {aud}: {'published' if ok else 'refused'}, {files} files, {hits} hits before the pack's "
              f"initials rule ({secs:.1f} s)")
    gen = OUT / "generated"
    generate_sample(children=args.children, seed=7).write(gen)
    print(f"2. generated sample, {args.children} children, partner (no PDF):")
    ok, hits, files, secs = _pack(gen, "partner", OUT / "generated-partner")
    print(f"  partner: {'published' if ok else 'refused'}, {files} files, {hits} hits before the pack's "
          f"initials rule ({secs:.1f} s)")
    print("3. disguise check of the inputs (name fields flagged):")
    for label, path in (("data/sample", sample), ("generated", gen)):
        ds = contextmap.load(path)
        fields = sum(int(ds.table(t)[c].notna().sum()) for t, c in privacy.forbidden.NAME_FIELDS
                     if c in ds.table(t).columns)
        print(f"  {label}: {len(privacy.disguised_names(ds))} of {fields} name fields")
    print("4. ordinary prose (README.md, docs/*.md) against the generated sample's names:")
    ds = contextmap.load(gen)
    f = privacy.forbidden_identifiers(ds, "partner")
    names = privacy.Forbidden({s: k for s, k in f.kinds.items() if "name" in k or k in ("alias", "home address")},
                              f.case_insensitive)
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in docs)
    hits = privacy.scan_outputs(docs, names)
    text = {p.name: p.read_text(encoding="utf-8").lower() for p in docs}
    # the docs quote the generator's invented names as examples: a hit on a name written there
    # as it is is a true mention; the others are what reading as a reader reads added
    read = [h for h in hits if h.value.lower() not in text.get(h.source, "")]
    print(f"  {len(hits)} hits in {len(docs)} files ({words} words) against {len(names)} names, aliases and "
          f"home addresses; {len(hits) - len(read)} on a name the docs quote as written (the generator's "
          f"invented examples), {len(read)} read in another form:")
    for h in read:
        print(f"    {h}: {h.value!r}")


if __name__ == "__main__":
    main()
