"""Jobs on the second core: the same answer as in-process, and nothing lost when the child fails."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest

from contextmap import parallel
from contextmap.parallel import beside, fork_available

needs_fork = pytest.mark.skipif(not fork_available(), reason="no fork on this platform")
PARENT = os.getpid()


def _where(x: int) -> tuple[int, int]:
    return x * 2, os.getpid()


def _fails_in_child(x: int) -> int:
    if os.getpid() != PARENT:
        raise RuntimeError("only in the child")
    return x + 1


def _killed_in_child(x: int) -> int:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return x + 2


def _always_fails(x: int) -> int:
    raise ValueError(f"bad value {x}")


@needs_fork
def test_the_job_runs_in_a_child_and_returns_its_result():
    job = beside(_where, 21)
    value, pid = job.result()
    assert value == 42 and pid != os.getpid() and job.ran_in_child


@needs_fork
def test_a_failed_or_killed_child_is_replaced_by_the_job_run_here():
    job = beside(_fails_in_child, 1)
    assert job.result() == 2 and not job.ran_in_child
    job = beside(_killed_in_child, 1)
    assert job.result() == 3 and not job.ran_in_child


def test_an_error_reaches_the_caller_with_its_own_type_and_message():
    with pytest.raises(ValueError, match="bad value 7"):
        beside(_always_fails, 7).result()


def test_one_worker_runs_everything_in_process(monkeypatch):
    monkeypatch.setenv("CONTEXTMAP_WORKERS", "1")
    assert not fork_available()
    job = beside(_where, 2)
    assert job.result() == (4, os.getpid()) and not job.ran_in_child


@needs_fork
def test_cancel_stops_the_child():
    job = beside(_where, 3)
    job.cancel()
    assert job.result() == (6, os.getpid())  # asked anyway: computed here


@needs_fork
def test_resolve_dataset_gives_the_same_entities_with_places_and_mentions_in_children(monkeypatch):
    from contextmap.resolve import dataset as rd
    from contextmap.resolve import persons as persons_module
    from contextmap.sample import generate_sample

    ds = generate_sample(children=60, seed=4).to_dataset()
    monkeypatch.setattr(rd, "PARALLEL_FROM", 10**9)
    alone = rd.resolve_dataset(ds, engine="fixed")
    seen = []
    real = parallel.Beside.result

    def spy(self):
        out = real(self)
        seen.append(self.ran_in_child)
        return out

    monkeypatch.setattr(parallel.Beside, "result", spy)
    monkeypatch.setattr(rd, "PARALLEL_FROM", 0)
    monkeypatch.setattr(persons_module, "LINKS_BESIDE_FROM", 0)
    both = rd.resolve_dataset(ds, engine="fixed")
    # the links read beside the persons' blocking and scoring, the places beside the persons,
    # the mentions beside the merging
    assert seen == [True, True, True]
    for table in ("persons", "locations", "links", "episodes", "children"):
        a, b = getattr(alone, table), getattr(both, table)
        pd.testing.assert_frame_equal(pd.DataFrame(a).reset_index(drop=True), pd.DataFrame(b).reset_index(drop=True))
    pd.testing.assert_frame_equal(alone.resolution.locations.pairs, both.resolution.locations.pairs)
    assert len(alone.resolution.mentions)
    pd.testing.assert_frame_equal(alone.resolution.mentions, both.resolution.mentions)
