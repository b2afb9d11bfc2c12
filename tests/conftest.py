"""Shared pytest fixtures.

Browser fixtures: one Debian chromium per test session, driven by playwright (never a
downloaded browser). Tests marked ``browser`` are skipped with a clear reason when
``/usr/bin/chromium`` is missing (``make test`` installs it through the ``chromium`` target).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from contextmap.pack.pdf import CHROMIUM_ARGS as _PACKAGE_CHROMIUM_ARGS

CHROMIUM = os.environ.get("CONTEXTMAP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = list(_PACKAGE_CHROMIUM_ARGS)  # the same flags the package prints PDFs with
REPORTS = Path(__file__).resolve().parent.parent / "reports"


@pytest.fixture(scope="session", autouse=True)
def _isolated_user_files(tmp_path_factory):
    """Keep the test run's pseudonym key and audit log out of the user's own directories.

    Set in the environment (not monkeypatched per test) so that notebooks executed by
    nbmake, which start their own kernels, inherit it too. Tests that exercise the
    defaults override these variables themselves.
    """
    home = tmp_path_factory.mktemp("user-files")
    (home / "key").mkdir(mode=0o700)
    saved = {k: os.environ.get(k) for k in ("CONTEXTMAP_KEY_FILE", "CONTEXTMAP_AUDIT_LOG")}
    os.environ["CONTEXTMAP_KEY_FILE"] = str(home / "key" / "pseudonym.key")
    os.environ["CONTEXTMAP_AUDIT_LOG"] = str(home / "audit.jsonl")
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def browser():
    """A headless Debian chromium, shared by the whole session."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):  # in CI a missing browser is a failure, never a skip
            pytest.fail(f"chromium not found at {CHROMIUM!r}: the Makefile's chromium target should install it")
        pytest.skip(f"chromium not found at {CHROMIUM!r}: run `make chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class PageRecorder:
    """A page plus everything it did: console messages, page errors, requests, dialogs."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def console_errors(self) -> list[str]:
        return [t for kind, t in self.console if kind == "error"] + self.errors

    def open(self, path: Path, *, ready_timeout: float = 15_000) -> None:
        self.page.goto(Path(path).resolve().as_uri())
        self.page.wait_for_selector("html[data-cm-ready='1']", timeout=ready_timeout,
                                    state="attached")


@pytest.fixture
def recorded_page(browser):
    """A fresh page (1200x800) in the session browser, recording what it does."""
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    yield PageRecorder(page)
    context.close()


@pytest.fixture(scope="session")
def reports_dir() -> Path:
    """``reports/`` at the repository root, for screenshots to inspect."""
    REPORTS.mkdir(exist_ok=True)
    return REPORTS


# --- views: a tiny analysed dataset whose names try to inject script -------------------------

INJECTION_NAMES = {
    "person": "<img src=x onerror=alert(1)>",
    "place": "</script><script>alert(1)</script>",
    "tick": "Back`tick \\ ${alert(1)}",
}
"""Hostile names planted in ``views_parts``: person P1, place L1, place L2 (and person P2)."""
CHILD_NAME = "Zebedee Quillfeather"
"""A (made-up) child's name that must never appear in a map page."""


@pytest.fixture(scope="session")
def views_parts():
    """The two-groups dataset with hostile names, analysed: graph, peer groups, hotspots..."""
    from _analysis_data import make_dataset, two_groups

    from contextmap import graph, hotspots, peers

    tables = two_groups()
    tables["children"][0]["name"] = CHILD_NAME
    tables["persons"][0]["name"] = INJECTION_NAMES["person"]
    tables["persons"][1]["name"] = INJECTION_NAMES["tick"]
    tables["locations"][0]["name"] = INJECTION_NAMES["place"]
    tables["locations"][1]["name"] = INJECTION_NAMES["tick"]
    tables["links"].append({"link_id": "K99", "source_id": "P1", "target_id": "L1",
                            "relation": "frequents", "observed_on": "2024-06-05",
                            "source_type": "police", "grading": "1B P"})
    ds = make_dataset(**tables)
    period = {"start": "2024-01-01", "end": "2024-06-30"}
    G = graph.graph_from_dataset(ds, start=period["start"], end=period["end"])
    ranked = hotspots.rank_locations(ds, start=period["start"], end=period["end"])
    return {
        "dataset": ds,
        "graph": G,
        "peer_groups": peers.find_peer_groups(G, seed=0, n_runs=5),
        "hotspots": ranked,
        "clusters": hotspots.spatial_clusters(ranked, eps_m=400.0, min_samples=2),
        "density": hotspots.density_surface(ds, start=period["start"], end=period["end"]),
        "period": period,
    }


# --- accessibility: axe-core in the page ------------------------------------------------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
"""The WCAG 2.2 A and AA rules (the UK public-sector accessibility regulations' standard)."""


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical"), context=None) -> list[dict]:
    """Run axe-core (the copy pinned in ``axe-playwright-python``) in ``page``.

    Returns the violations of the WCAG 2.2 A/AA rules at the given impacts, each as
    ``{"id", "impact", "help", "nodes": [html snippets]}`` so a failing assert shows what to fix.
    """
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    result = Axe().run(page, context=context, options=options).response
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["html"][:200] for n in v["nodes"][:5]]}
        for v in result["violations"] if v["impact"] in impacts
    ]
