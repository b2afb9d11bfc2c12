"""The disclosure audit log (issue 5)."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import stat

import pytest

from contextmap import InputNotFoundError
from contextmap.privacy.audit import (
    append_audit,
    default_audit_path,
    hash_input,
    read_audit,
    verify_audit,
)


def _append(log, n=0, **kw):
    return append_audit(
        log, audience="partner", input_path=None, input_hash=f"sha256:{n:064x}",
        period=("2024-04-01", "2024-06-30"), outputs=kw.pop("outputs", []), user="analyst", **kw,
    )


def test_two_appends_two_lines_first_unchanged(tmp_path):
    log = tmp_path / "logs" / "audit.jsonl"
    _append(log, 1)
    first = log.read_bytes()
    _append(log, 2)
    data = log.read_bytes()
    assert data.startswith(first) and data.count(b"\n") == 2
    entries = read_audit(log)
    assert [e["input_hash"][-1] for e in entries] == ["1", "2"]
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_entry_records_who_what_when_and_file_hashes(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "children.csv").write_text("child_id\nC1\n", encoding="utf-8")
    out = tmp_path / "pack.html"
    out.write_text("<p>pack</p>", encoding="utf-8")
    e = append_audit(tmp_path / "a.jsonl", audience="police", input_path=data, period=("2024-04-01", None),
                     outputs=[out], command=["contextmap", "pack", "data"], entry_id="abc")
    assert e["id"] == "abc" and e["audience"] == "police" and e["user"]
    assert e["at"].endswith("Z") and e["period"] == {"from": "2024-04-01", "to": None}
    assert e["input_hash"] == hash_input(data)
    assert e["outputs"] == [{"path": str(out.resolve()), "bytes": 11,
                             "sha256": hashlib.sha256(b"<p>pack</p>").hexdigest()}]
    assert json.loads((tmp_path / "a.jsonl").read_text()) == e


def test_missing_output_is_an_error_and_nothing_is_written(tmp_path):
    with pytest.raises(InputNotFoundError, match="pack.pdf"):
        _append(tmp_path / "a.jsonl", outputs=[tmp_path / "pack.pdf"])
    assert not (tmp_path / "a.jsonl").exists()


def test_hash_chain_detects_an_edited_line(tmp_path):
    log = tmp_path / "a.jsonl"
    for n in range(3):
        _append(log, n)
    assert verify_audit(log) == []
    lines = log.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace('"partner"', '"police"')
    log.write_text("".join(lines))
    assert verify_audit(log) == ["line 1: the entry does not match its MAC (edited, or written without the key)"]


def test_hash_input_is_stable_and_content_sensitive(tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    (a / "children.csv").write_text("child_id\nC1\n")
    (a / "episodes.csv").write_text("episode_id\nE1\n")
    (a / ".DS_Store").write_text("ignored")
    h = hash_input(a)
    b = tmp_path / "elsewhere" / "b"
    b.mkdir(parents=True)
    for f in ("children.csv", "episodes.csv"):
        (b / f).write_bytes((a / f).read_bytes())
    assert hash_input(b) == h  # location and hidden files do not matter
    (b / "episodes.csv").write_text("episode_id\nE2\n")
    assert hash_input(b) != h
    (b / "episodes.csv").rename(b / "episodes2.csv")
    assert hash_input(b) not in (h,)
    with pytest.raises(InputNotFoundError):
        hash_input(tmp_path / "missing")


def test_default_log_location(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTEXTMAP_AUDIT_LOG", str(tmp_path / "x.jsonl"))
    assert default_audit_path() == tmp_path / "x.jsonl"
    monkeypatch.delenv("CONTEXTMAP_AUDIT_LOG")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_audit_path() == tmp_path / "contextmap" / "audit.jsonl"


def _worker(args):
    log, n = args
    for i in range(10):
        _append(log, n * 100 + i)


def test_concurrent_appends_keep_every_line_and_the_chain(tmp_path):
    log = tmp_path / "a.jsonl"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        pool.map(_worker, [(log, 1), (log, 2)])
    entries = read_audit(log)
    assert len(entries) == 20 and len({e["input_hash"] for e in entries}) == 20
    assert verify_audit(log) == []


def test_cli_lists_entries_and_fails_on_a_broken_chain(tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import app

    log = tmp_path / "a.jsonl"
    _append(log, 1, entry_id="first-entry-id")
    _append(log, 2)
    result = CliRunner().invoke(app, ["audit", "--log", str(log)])
    assert result.exit_code == 0, result.output
    assert "2 entries" in result.output and "first-entry" in result.output and "partner" in result.output
    log.write_text(log.read_text().replace("analyst", "someone", 1))
    result = CliRunner().invoke(app, ["audit", "--log", str(log)])
    assert result.exit_code == 1 and "line 1" in result.output


def test_cli_lists_a_workspace_event_by_what_it_was_about_not_an_empty_period(tmp_path):
    from typer.testing import CliRunner

    from contextmap.cli import _audit_line, app

    log = tmp_path / "a.jsonl"
    append_audit(log, audience="workspace", input_path=None, input_hash=None, outputs=[], event="withdraw decision",
                 extra={"workspace": "team\x1b[31m.cmw", "decision": 2, "action": "keep_apart",
                        "a": "link:K1:target=Ethan Irwell", "b": "C1"})
    result = CliRunner().invoke(app, ["audit", "--log", str(log)])
    assert result.exit_code == 0, result.output
    line = result.output.splitlines()[-1]
    assert "withdraw decision" in line and "decision 2 (keep apart)" in line and "workspace team\\u001b[31m.cmw" in line
    assert "None" not in line and "0 files" not in line and ".." not in line
    assert "Ethan" not in result.output and "\x1b" not in result.output  # no name listed; no control obeyed
    # a disclosure keeps its audience, period and files
    shown = _audit_line({"at": "2026-12-07T10:00:00Z", "id": "abc", "event": "pack", "user": "ana",
                         "audience": "partner", "period": {"from": "2026-01-01", "to": "2026-11-30"},
                         "outputs": [{"path": "a"}, {"path": "b"}]})
    assert shown == "2026-12-07T10:00:00Z  abc  pack  ana  partner  2026-01-01..2026-11-30  2 files"


def test_a_log_from_before_keyed_entries_is_intact_while_a_sealed_head_vouches_for_it(tmp_path):
    from contextmap.privacy import audit

    key = b"a test audit key"
    log, head = tmp_path / "a.jsonl", tmp_path / "h.json"
    lines, prev = [], None
    for n in range(2):  # the format of the first release: no MAC, chained by SHA-256 of the line
        line = json.dumps({"id": f"e{n}", "event": "pack", "audience": "police", "prev": prev}).encode()
        lines.append(line)
        prev = hashlib.sha256(line).hexdigest()
    log.write_bytes(b"\n".join(lines) + b"\n")
    assert any("no sealed head vouches" in p for p in verify_audit(log, key=key, head_path=head))
    head.write_text(json.dumps({"count": 2, "last": prev, "seal": audit._seal(key, 2, prev)}))
    assert verify_audit(log, key=key, head_path=head) == []
    _append(log, 3, key=key, head_path=head)  # keyed entries follow on
    assert verify_audit(log, key=key, head_path=head) == [] and len(read_audit(log)) == 3


def test_status_counts_and_resolve_refuses_an_intact_log_or_no_reason(tmp_path):
    from contextmap import ConfigError
    from contextmap.privacy.audit import audit_status, check_audit, resolve_audit

    log = tmp_path / "a.jsonl"
    _append(log, 1)
    st = audit_status(log)
    assert st.intact and st.count == 1 and st.head_count == 1 and check_audit(log).intact
    with pytest.raises(ConfigError, match="intact"):
        resolve_audit(log, reason="nothing wrong")
    with pytest.raises(ConfigError, match="reason"):
        resolve_audit(log, reason=" ")
    assert len(read_audit(log)) == 1


def test_every_text_of_an_entry_is_masked(tmp_path):
    e = _append(tmp_path / "a.jsonl", 1, command=["contextmap", "-w", "postgresql://u:pw-123@h/db"],
                extra={"note": "host=h password=pw-123"})
    text = (tmp_path / "a.jsonl").read_text()
    assert "pw-123" not in text and e["command"][-1] == "postgresql://u:***@h/db"
    assert verify_audit(tmp_path / "a.jsonl") == []
