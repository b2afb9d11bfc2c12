"""`contextmap reveal`: the chair turns a pseudonym back into a name, on the record.

The pack folder holds no identity, no key and no path; reveal finds the pack's own entry in
the team's audit log (by the hash of the pack's manifest), re-derives the pseudonyms from the
data that entry names plus the key, logs the disclosure first, always in the team's log
(pseudonym and reason, never the identity), and prints to a terminal only."""

from __future__ import annotations

import getpass
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import contextmap
from contextmap import ConfigError, InputNotFoundError, PrivacyError
from contextmap.cli import app
from contextmap.pack.build import build_pack
from contextmap.pack.reveal import pack_entry, read_manifest, reveal
from contextmap.privacy import audit
from contextmap.privacy.audit import read_audit

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def team_log(tmp_path_factory):
    """The team's configured log ($CONTEXTMAP_AUDIT_LOG), apart from other modules' tests."""
    import os

    log = tmp_path_factory.mktemp("team-log") / "audit.jsonl"
    saved = os.environ.get("CONTEXTMAP_AUDIT_LOG")
    os.environ["CONTEXTMAP_AUDIT_LOG"] = str(log)
    yield log
    if saved is None:
        os.environ.pop("CONTEXTMAP_AUDIT_LOG", None)
    else:
        os.environ["CONTEXTMAP_AUDIT_LOG"] = saved


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from contextmap.sample.generate import generate_sample

    d = tmp_path_factory.mktemp("reveal-data")
    generate_sample(children=20, seed=3).write(d)
    return d


@pytest.fixture(scope="module")
def partner(sample_dir, team_log, tmp_path_factory):
    out = tmp_path_factory.mktemp("reveal-pack") / "partner"
    # the default key (the test session's own key file) and the team's log: what the CLI uses too
    return build_pack(sample_dir, out=out, audience="partner", pdf=False)


def _a_child(partner) -> str:
    state = json.loads((partner.out / "pack_state.json").read_text())
    kids = [c for g in state["peer_groups"] for c in g["children"]] + state["panel_children"]
    assert kids and kids[0].startswith("Child-")
    return kids[0]


def test_manifest_holds_no_path_no_user_and_no_identity(partner, sample_dir):
    man = read_manifest(partner.out)
    assert set(man) == {"format", "source", "input_hash", "audience", "ids", "period", "resolved", "spoken"}
    assert man["source"] == "folder" and man["ids"] == "pseudonym"
    text = (partner.out / "manifest.json").read_text()
    for secret in (str(sample_dir.resolve()), sample_dir.name, str(Path.home()), getpass.getuser()):
        assert secret not in text, secret
    ds = contextmap.load(sample_dir)
    assert not any(n in text for n in ds.children["name"].dropna())
    # no child's own id (a keyed pseudonym such as "Child-HC039X" may hold "C0" by chance)
    assert not any(re.search(rf"\b{re.escape(c)}\b", text) for c in ds.children["child_id"])
    # each spoken pseudonym of the pack stands for one keyed pseudonym: one pseudonym for another
    assert man["spoken"]["Child A"].startswith("Child-") and len(set(man["spoken"].values())) == len(man["spoken"])
    assert not re.search(r"\bC\d{4}\b", text)


def test_the_team_log_links_the_pack_to_its_data(partner, sample_dir, team_log):
    entry = pack_entry(partner.out)
    assert entry is not None and entry["id"] == partner.audit_entry["id"]
    assert entry["input"] == str(sample_dir.resolve())


def test_reveal_finds_the_child_and_logs_the_disclosure_without_the_identity(partner, sample_dir, team_log):
    pseudo = _a_child(partner)
    r = reveal(pseudo, pack=partner.out, reason="partner asked at the MACE, chair agreed")
    ds = contextmap.load(sample_dir)
    child = ds.children.set_index("child_id").loc[r.record["child_id"]]
    assert r.kind == "child" and r.record["name"] == child["name"]
    # the pseudonym really is that child's (computed again, independently)
    from contextmap import privacy

    red = privacy.redact_dataset(contextmap.resolve.resolve_dataset(ds), "partner", as_of=read_manifest(partner.out)["period"]["end"])
    assert red.children.loc[ds.children["child_id"] == r.record["child_id"], "child_id"].iloc[0] == pseudo
    entry = read_audit(team_log)[-1]
    assert entry["event"] == "reveal" and entry["pseudonym"] == pseudo and entry["found"] is True
    assert entry["reason"] == "partner asked at the MACE, chair agreed"
    line = team_log.read_text()
    assert child["name"] not in line and r.record["child_id"] not in json.dumps(entry["command"])
    assert child["name"] not in repr(r)
    assert audit.verify_audit(team_log) == []


def test_reveal_finds_the_child_behind_a_spoken_pseudonym(partner, team_log):
    """The pack's pages say "Child A" (the child of most concern); the chair reveals it as said."""
    html = (partner.out / "pack.html").read_text(encoding="utf-8")
    children = html.split('id="children"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<tr><td class="num">1\.</td><td class="nowrap">Child A</td>', children)  # listed by rank
    r = reveal("  child   a ", pack=partner.out, reason="the panel asked who Child A is")
    keyed = read_manifest(partner.out)["spoken"]["Child A"]
    assert r.kind == "child" and r.record["child_id"].startswith("C")
    again = reveal(keyed, pack=partner.out, reason="the same child by the stable reference")
    assert again.record == r.record
    entry = read_audit(team_log)[-2]
    assert entry["pseudonym"] == "child a" and entry["stands_for"] == keyed and entry["found"] is True
    with pytest.raises(PrivacyError, match="no record"):
        reveal("Child ZZZ", pack=partner.out, reason="not in this pack")


def test_a_pseudonym_typed_in_another_case_or_spacing_is_found(partner):
    pseudo = _a_child(partner)
    r = reveal(f"  {pseudo.lower()} ", pack=partner.out, reason="typed by hand")
    assert r.kind == "child"


def test_reveal_needs_a_reason(partner, team_log):
    before = len(read_audit(team_log))
    with pytest.raises(ConfigError, match="reason"):
        reveal(_a_child(partner), pack=partner.out, reason="  ")
    assert len(read_audit(team_log)) == before


def test_an_unknown_pseudonym_is_refused_and_the_attempt_logged(partner, team_log):
    with pytest.raises(PrivacyError, match="no record"):
        reveal("Child-ZZZZZZ", pack=partner.out, reason="checking")
    assert read_audit(team_log)[-1]["found"] is False


def test_moved_data_is_named_with_data(partner, sample_dir, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(sample_dir, moved)
    r = reveal(_a_child(partner), pack=partner.out, reason="data moved", data=moved)
    assert r.kind == "child" and not r.notes  # same content, same hash


def test_a_pack_the_team_log_does_not_know_needs_data(sample_dir, tmp_path, team_log):
    # another period, so its manifest differs from every pack the team's log knows
    other = build_pack(sample_dir, out=tmp_path / "p", audience="partner", pdf=False, start="2026-01-01",
                       audit_log=tmp_path / "someone-elses.jsonl")
    with pytest.raises(InputNotFoundError, match="--data PATH"):
        reveal(_a_child(other), pack=other.out, reason="x")


def test_cli_prints_to_a_terminal_only_and_logs_only_to_the_team_log(partner, sample_dir, team_log, tmp_path, monkeypatch):
    pseudo = _a_child(partner)
    args = ["reveal", pseudo, "--pack", str(partner.out)]
    before = len(read_audit(team_log))
    res = CliRunner().invoke(app, [*args, "--reason", "strategy meeting"])
    assert res.exit_code == 2 and "terminal" in res.output
    assert len(read_audit(team_log)) == before  # refused before anything was disclosed
    import contextmap.cli as cli

    monkeypatch.setattr(cli, "_is_terminal", lambda: True)
    # a private log for a disclosure is not an option any more
    private = tmp_path / "private.jsonl"
    res = CliRunner().invoke(app, [*args, "--reason", "x", "--log", str(private)])
    assert res.exit_code == 2 and "--log" in res.output and not private.exists()
    res = CliRunner().invoke(app, args, input="strategy meeting request\n")  # asked for the reason
    assert res.exit_code == 0, res.output
    ds = contextmap.load(sample_dir)
    assert any(n in res.output for n in ds.children["name"].dropna())
    assert read_audit(team_log)[-1]["reason"] == "strategy meeting request"
    res = CliRunner().invoke(app, args, input="\n")  # no reason given: nothing shown
    assert res.exit_code == 2 and "reason" in res.output


def test_a_pack_with_real_ids_has_nothing_to_reveal(sample_dir, tmp_path):
    police = build_pack(sample_dir, out=tmp_path / "police", audience="police", pdf=False,
                        audit_log=tmp_path / "audit.jsonl")
    with pytest.raises(ConfigError, match="real ids"):
        reveal("Child-AAAAAA", pack=police.out, reason="x")


def test_a_pack_from_a_monthly_manifest_is_revealed_from_the_same_month(tmp_path, team_log):
    """The pack records the month it read (data_period); reveal reads that month's files, not
    the latest month's, so the chair sees the record the pack was built from."""
    from _monthly_data import write_months

    manifest = write_months(tmp_path / "data")
    out = tmp_path / "pack"
    p = build_pack(manifest, out=out, audience="partner", pdf=False, period="2026-10")
    assert read_manifest(p.out)["data_period"] == "2026-10"
    r = reveal(_a_child(p), pack=p.out, reason="chair agreed at the MACE")
    assert r.kind == "child" and not r.notes  # October's files, unchanged: no "the dataset has changed"


def test_reveal_works_for_a_pack_built_from_a_workspace(sample_dir, tmp_path, team_log):
    from contextmap.workspace import init_workspace

    ws_file = tmp_path / "team.cmw"
    with init_workspace(ws_file) as ws:
        ws.import_source(sample_dir, as_of="2026-10-31")
    pack = build_pack(None, workspace=ws_file, out=tmp_path / "ws-pack", audience="partner", pdf=False)
    entry = pack_entry(pack.out)
    assert entry is not None and entry["workspace"] == str(ws_file.resolve()) and entry["input"] is None
    assert str(ws_file) not in (pack.out / "manifest.json").read_text()
    pseudo = _a_child(pack)
    r = reveal(pseudo, pack=pack.out, reason="asked at the MACE")
    ds = contextmap.load(sample_dir)
    assert r.kind == "child" and r.record["name"] in set(ds.children["name"])
    logged = read_audit(team_log)[-1]
    assert logged["event"] == "reveal" and logged["found"] is True and logged["workspace"] == str(ws_file)


def test_an_unresolved_log_stops_reveal_before_any_disclosure(partner, team_log):
    head = audit.default_head_path(team_log)
    saved = head.read_bytes()
    head.unlink()
    try:
        before = team_log.read_bytes()
        with pytest.raises(audit.AuditError, match="resolve"):
            reveal(_a_child(partner), pack=partner.out, reason="while the head is gone")
        assert team_log.read_bytes() == before
    finally:
        head.write_bytes(saved)
    assert audit.verify_audit(team_log) == []
