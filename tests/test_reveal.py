"""`contextmap reveal`: the chair turns a pseudonym back into a name, on the record.

The pack folder holds no identity and no key; reveal re-derives the pseudonyms from the
dataset its manifest names plus the key, logs the disclosure first (pseudonym and reason,
never the identity) and prints to a terminal only."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

import contextmap
from contextmap import ConfigError, PrivacyError
from contextmap.cli import app
from contextmap.pack.build import build_pack
from contextmap.pack.reveal import read_manifest, reveal
from contextmap.privacy.audit import read_audit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from contextmap.sample.generate import generate_sample

    d = tmp_path_factory.mktemp("reveal-data")
    generate_sample(children=20, seed=3).write(d)
    return d


@pytest.fixture(scope="module")
def partner(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("reveal-pack") / "partner"
    # the default key (the test session's own key file): what the CLI uses too
    return build_pack(sample_dir, out=out, audience="partner", pdf=False, audit_log=out.parent / "audit.jsonl")


def _a_child(partner) -> str:
    state = json.loads((partner.out / "pack_state.json").read_text())
    kids = [c for g in state["peer_groups"] for c in g["children"]] + state["panel_children"]
    assert kids and kids[0].startswith("Child-")
    return kids[0]


def test_manifest_names_the_data_and_holds_no_identity(partner, sample_dir):
    man = read_manifest(partner.out)
    assert set(man) == {"format", "input", "input_hash", "audience", "ids", "period", "resolved", "spoken"}
    assert man["input"] == str(sample_dir.resolve()) and man["ids"] == "pseudonym"
    # each spoken pseudonym of the pack stands for one keyed pseudonym: one pseudonym for another
    assert man["spoken"]["Child A"].startswith("Child-") and len(set(man["spoken"].values())) == len(man["spoken"])
    ds = contextmap.load(sample_dir)
    text = (partner.out / "manifest.json").read_text()
    assert not any(n in text for n in ds.children["name"].dropna()) and not re.search(r"\bC\d{4}\b", text)


def test_reveal_finds_the_child_and_logs_the_disclosure_without_the_identity(partner, sample_dir, tmp_path):
    log = tmp_path / "audit.jsonl"
    pseudo = _a_child(partner)
    r = reveal(pseudo, pack=partner.out, reason="partner asked at the MACE, chair agreed", audit_log=log)
    ds = contextmap.load(sample_dir)
    child = ds.children.set_index("child_id").loc[r.record["child_id"]]
    assert r.kind == "child" and r.record["name"] == child["name"]
    # the pseudonym really is that child's (computed again, independently)
    from contextmap import privacy

    red = privacy.redact_dataset(contextmap.resolve.resolve_dataset(ds), "partner", as_of=read_manifest(partner.out)["period"]["end"])
    assert red.children.loc[ds.children["child_id"] == r.record["child_id"], "child_id"].iloc[0] == pseudo
    entry = read_audit(log)[-1]
    assert entry["event"] == "reveal" and entry["pseudonym"] == pseudo and entry["found"] is True
    assert entry["reason"] == "partner asked at the MACE, chair agreed"
    line = log.read_text()
    assert child["name"] not in line and r.record["child_id"] not in json.dumps(entry["command"])
    assert child["name"] not in repr(r)


def test_reveal_finds_the_child_behind_a_spoken_pseudonym(partner, tmp_path):
    """The pack's pages say "Child A" (the child of most concern); the chair reveals it as said."""
    log = tmp_path / "audit.jsonl"
    html = (partner.out / "pack.html").read_text(encoding="utf-8")
    children = html.split('id="children"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<tr><td class="num">1\.</td><td class="nowrap">Child A</td>', children)  # listed by rank
    r = reveal("  child   a ", pack=partner.out, reason="the panel asked who Child A is", audit_log=log)
    keyed = read_manifest(partner.out)["spoken"]["Child A"]
    assert r.kind == "child" and r.record["child_id"].startswith("C")
    again = reveal(keyed, pack=partner.out, reason="the same child by the stable reference", audit_log=log)
    assert again.record == r.record
    entry = read_audit(log)[-2]
    assert entry["pseudonym"] == "child a" and entry["stands_for"] == keyed and entry["found"] is True
    with pytest.raises(PrivacyError, match="no record"):
        reveal("Child ZZZ", pack=partner.out, reason="not in this pack", audit_log=log)


def test_reveal_needs_a_reason(partner, tmp_path):
    log = tmp_path / "audit.jsonl"
    with pytest.raises(ConfigError, match="reason"):
        reveal(_a_child(partner), pack=partner.out, reason="  ", audit_log=log)
    assert not log.exists()


def test_an_unknown_pseudonym_is_refused_and_the_attempt_logged(partner, tmp_path):
    log = tmp_path / "audit.jsonl"
    with pytest.raises(PrivacyError, match="no record"):
        reveal("Child-ZZZZZZ", pack=partner.out, reason="checking", audit_log=log)
    assert read_audit(log)[-1]["found"] is False


def test_cli_prints_to_a_terminal_only(partner, sample_dir, tmp_path, monkeypatch):
    log = tmp_path / "audit.jsonl"
    pseudo = _a_child(partner)
    args = ["reveal", pseudo, "--pack", str(partner.out), "--log", str(log)]
    res = CliRunner().invoke(app, [*args, "--reason", "strategy meeting"])
    assert res.exit_code == 2 and "terminal" in res.output
    assert not log.exists()  # refused before anything was disclosed
    import contextmap.cli as cli

    monkeypatch.setattr(cli, "_is_terminal", lambda: True)
    res = CliRunner().invoke(app, args, input="strategy meeting request\n")  # asked for the reason
    assert res.exit_code == 0, res.output
    ds = contextmap.load(sample_dir)
    assert any(n in res.output for n in ds.children["name"].dropna())
    assert read_audit(log)[-1]["reason"] == "strategy meeting request"
    res = CliRunner().invoke(app, args, input="\n")  # no reason given: nothing shown
    assert res.exit_code == 2 and "reason" in res.output


def test_a_pack_with_real_ids_has_nothing_to_reveal(sample_dir, tmp_path):
    police = build_pack(sample_dir, out=tmp_path / "police", audience="police", pdf=False,
                        audit_log=tmp_path / "audit.jsonl")
    with pytest.raises(ConfigError, match="real ids"):
        reveal("Child-AAAAAA", pack=police.out, reason="x", audit_log=tmp_path / "audit.jsonl")
