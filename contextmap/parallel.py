"""Run one job on the second core while the caller goes on with another.

Most of contextmap's work is Python holding the interpreter's lock, so threads do not help; a
forked child process does, and it inherits the dataset without copying or pickling it. Only
the job's result travels back, pickled through a pipe.

Nothing is lost if the child cannot do the job: where ``fork`` does not exist (Windows, and
macOS, where forking is unsafe), when ``CONTEXTMAP_WORKERS=1`` is set, or when the child fails
or is killed, :meth:`Beside.result` runs the job in the calling process instead, so the answer
(or the error, with its full traceback) is the same as without a child.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Beside", "beside", "fork_available"]

T = TypeVar("T")

# the job of the child about to be forked: inherited through fork, never pickled
_JOBS: dict[int, tuple[Callable[..., Any], tuple, dict]] = {}


def fork_available() -> bool:
    """Whether a job can run in a forked child here: Linux with more than one core, and not
    switched off with ``CONTEXTMAP_WORKERS=1``."""
    if os.environ.get("CONTEXTMAP_WORKERS", "").strip() == "1":
        return False
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()


def _child(key: int, conn: Any) -> None:
    fn, args, kwargs = _JOBS[key]
    try:
        value = fn(*args, **kwargs)
        conn.send(("ok", value))
    except BaseException:  # the parent runs the job itself and raises the error there
        conn.send(("failed", None))
    finally:
        conn.close()


class Beside(Generic[T]):
    """A job running beside the caller; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[..., T], args: tuple, kwargs: dict, *, use_child: bool) -> None:
        self._fn, self._args, self._kwargs = fn, args, kwargs
        self._proc: Any = None
        self._conn: Any = None
        self.ran_in_child = False
        if use_child and fork_available():
            key = id(self)
            _JOBS[key] = (fn, args, kwargs)
            try:
                here, there = mp.get_context("fork").Pipe(duplex=False)
                self._proc = mp.get_context("fork").Process(target=_child, args=(key, there), daemon=True)
                self._proc.start()
                there.close()
                self._conn = here
            except OSError:  # no process could be started: run it here when asked
                self._proc = None
            finally:
                _JOBS.pop(key, None)

    @property
    def in_child(self) -> bool:
        """Whether a child process is running the job now (the caller then has one core to itself)."""
        return self._proc is not None

    def result(self) -> T:
        """The job's result: from the child, or computed here if there was none or it failed."""
        if self._proc is not None:
            try:
                status, value = self._conn.recv()
            except (EOFError, OSError):  # the child died (killed, out of memory)
                status, value = "failed", None
            finally:
                self._conn.close()
                self._proc.join(timeout=10)
                if self._proc.is_alive():
                    self._proc.terminate()
                self._proc = None
            if status == "ok":
                self.ran_in_child = True
                return value
        return self._fn(*self._args, **self._kwargs)

    def cancel(self) -> None:
        """Stop the child, if any (the caller failed and will not ask for the result)."""
        if self._proc is not None:
            self._proc.terminate()
            self._proc.join(timeout=10)
            self._conn.close()
            self._proc = None


def beside(fn: Callable[..., T], *args: Any, use_child: bool = True, **kwargs: Any) -> Beside[T]:
    """Start ``fn(*args, **kwargs)`` in a forked child (when :func:`fork_available` and
    ``use_child``); call ``.result()`` for its value.

    Examples
    --------
    >>> job = beside(sum, [1, 2, 3])
    >>> job.result()
    6
    """
    return Beside(fn, args, kwargs, use_child=use_child)
