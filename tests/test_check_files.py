"""The repository guard (.ci/check_files.py) refuses what must never be committed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("check_files", ROOT / ".ci" / "check_files.py")
assert spec and spec.loader
check_files = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_files)


def test_refuses_large_files_extracts_and_notebook_outputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("big.bin").write_bytes(b"0" * (check_files.MAX_BYTES + 1))
    Path("extract.xlsx").write_bytes(b"PK")
    Path("data/sample").mkdir(parents=True)
    Path("data/sample/children.csv").write_text("child_id\nCS-1\n")
    Path("nb.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [{"text": "Ava"}]}]}))
    Path("clean.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": []}]}))
    found = check_files.problems(["big.bin", "extract.xlsx", "data/sample/children.csv", "nb.ipynb", "clean.ipynb"])
    assert [f.split(":")[0] for f in found] == ["big.bin", "extract.xlsx", "nb.ipynb"]


def test_the_repository_itself_is_clean(monkeypatch):
    monkeypatch.chdir(ROOT)
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    assert check_files.problems(check_files._files(False)) == []
