"""Publishing a pack safely: staging, the pack marker, the atomic swap, cleanup after a kill.

A pack is written into a hidden staging folder beside its destination, scanned, logged, and
only then moved into place. The rules:

* **Only a pack is replaced.** Every pack holds a marker file, :data:`MARKER`
  (``.contextmap-pack``). ``overwrite`` replaces a folder only when it holds that marker;
  any other non-empty folder is refused, and so are the input folder, any folder inside it
  and any parent of it, whatever the marker says.
* **The swap is atomic per step.** The old pack is renamed aside (``.NAME.old-*``), the new
  one renamed in, the old one deleted. A kill at any moment leaves the old pack whole (at
  its place, or aside) or the new one whole at its place; :func:`recover` (run at the start
  of every build) puts an old pack back when the new one never arrived and deletes what is
  left over. SIGINT and SIGTERM are held off during the two renames.
* **Staging never outlives its run.** A staging folder holds :data:`STAGING_MARKER` with
  the process id that owns it; SIGINT/SIGTERM during a build delete it
  (:func:`signals_raise`), and the next build deletes any whose process is gone. A refused
  pack's staging is kept only when asked (``keep_failed``), renamed ``.NAME.failed-*``,
  which no cleanup touches.
* **A symlinked destination** is followed: the pack is built beside the folder the link
  points at, and the link keeps pointing at it. A link whose target's folder cannot be
  created is refused before any work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from contextmap._errors import OutputExistsError

__all__ = [
    "MARKER",
    "STAGING_MARKER",
    "Terminated",
    "check_destination",
    "new_staging",
    "write_marker",
    "recover",
    "swap_in",
    "keep_failed",
    "signals_raise",
]

MARKER = ".contextmap-pack"
"""The file that marks a folder as a pack contextmap wrote (JSON: tool, version, audience)."""

STAGING_MARKER = ".contextmap-staging"
"""The file that marks a staging folder, with the id of the process that owns it."""


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives during a build (so cleanup runs)."""


def _is_relative_to(a: Path, b: Path) -> bool:
    try:
        a.relative_to(b)
    except ValueError:
        return False
    return True


def check_destination(out: str | Path, *, overwrite: bool, inputs: list[Path] | tuple[Path, ...] = ()) -> Path:
    """Check where a pack may go, before any work, and return the real destination.

    Parameters
    ----------
    out
        The pack folder asked for (a symlink is followed).
    overwrite
        Whether an existing pack may be replaced.
    inputs
        Folders or files the pack is built from: the destination may be none of them, inside
        none of them and a parent of none of them.

    Raises
    ------
    OutputExistsError
        If the destination is a file, a non-empty folder (without ``overwrite``), a folder
        contextmap did not write, or the input (or inside or above it).
    """
    asked = Path(out).expanduser()
    real = asked.resolve(strict=False)
    for src in inputs:
        src_real = Path(src).expanduser().resolve(strict=False)
        if real == src_real or _is_relative_to(src_real, real) or _is_relative_to(real, src_real):
            where = "is" if real == src_real else ("holds" if _is_relative_to(src_real, real) else "is inside")
            raise OutputExistsError(
                f"Expected out to be a folder apart from the input, instead got {str(asked)!r}, which "
                f"{where} the input {str(src)!r}: a pack never replaces or sits in its own data"
            )
    if asked.is_symlink() and not real.parent.is_dir():
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputExistsError(
                f"out {str(asked)!r} is a symbolic link to {str(real)!r}, whose folder cannot be created: {exc}"
            ) from None
    if real.exists() and not real.is_dir():
        raise OutputExistsError(f"Expected out to be a folder, instead got a file: {str(asked)!r}")
    if real.is_dir() and any(real.iterdir()):
        if not overwrite:
            raise OutputExistsError(
                f"Expected out to be a new or empty folder (pass --overwrite, or overwrite=True in Python, to replace "
                f"a pack contextmap wrote there), instead got: {str(asked)!r}"
            )
        if not (real / MARKER).is_file():
            raise OutputExistsError(
                f"out {str(asked)!r} is not a pack contextmap wrote (it has no {MARKER} file), so "
                "overwrite will not replace it: choose a new folder"
            )
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputExistsError(f"cannot create the folder of out {str(asked)!r}: {exc}") from None
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise OutputExistsError(f"cannot write into {str(real.parent)!r}, the folder of out {str(asked)!r}")
    return real


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _owner(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / STAGING_MARKER).read_text(encoding="utf-8"))["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recover(out: Path) -> list[str]:
    """Tidy what an earlier, interrupted build left beside ``out``; return what was done.

    * an old pack set aside (``.NAME.old-*``, holding the pack marker) is put back when
      ``out`` is missing (the new pack never arrived), else deleted;
    * a replaced pack being deleted (``.NAME.trash-*``) is deleted;
    * a staging folder (``.NAME.staging-*``, holding the staging marker) whose process is
      gone is deleted.

    Folders without contextmap's markers are never touched.
    """
    done: list[str] = []
    parent = out.parent
    if not parent.is_dir():
        return done
    olds = sorted(parent.glob(f".{out.name}.old-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in olds:
        if not (old.is_dir() and (old / MARKER).is_file()):
            continue
        if not out.exists():
            old.rename(out)
            done.append(f"restored the previous pack from {old.name}")
        else:
            shutil.rmtree(old)
            done.append(f"deleted {old.name}, a previous pack already replaced")
    stale = out / STAGING_MARKER  # killed just after the swap, before the marker went
    if stale.is_file() and (out / MARKER).is_file():
        pid = _owner(out)
        if pid is None or not _alive(pid):
            stale.unlink()
            done.append(f"removed a stale {STAGING_MARKER} from the pack")
    for trash in parent.glob(f".{out.name}.trash-*"):
        if trash.is_dir():
            shutil.rmtree(trash, ignore_errors=True)
            done.append(f"deleted {trash.name}, a replaced pack being deleted")
    for st in parent.glob(f".{out.name}.staging-*"):
        pid = _owner(st)
        if st.is_dir() and pid is not None and not _alive(pid):
            shutil.rmtree(st, ignore_errors=True)
            done.append(f"deleted {st.name}, left by an interrupted run")
    return done


def new_staging(out: Path) -> Path:
    """A fresh staging folder beside ``out``, marked as owned by this process. Interrupted
    before it returns (a signal while the marker is written), it removes the folder it made."""
    made: str | None = None
    try:
        made = tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent)
        staging = Path(made)
        (staging / STAGING_MARKER).write_text(json.dumps({"pid": os.getpid(), "started": time.time()}),
                                              encoding="utf-8")
        return staging
    except BaseException:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)
        raise


def write_marker(staging: Path, **fields: Any) -> None:
    """Mark ``staging`` as a finished pack (its staging marker goes when it is swapped in)."""
    try:
        from contextmap import __version__ as version
    except ImportError:  # pragma: no cover
        version = "unknown"
    (staging / MARKER).write_text(json.dumps({"tool": "contextmap", "version": version, **fields}, indent=1),
                                  encoding="utf-8")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def swap_in(staging: Path, out: Path) -> None:
    """Move the finished pack in ``staging`` to ``out``, replacing a pack there.

    The old pack is renamed aside, the new one renamed in, then the old one deleted; a kill
    between the steps is repaired by :func:`recover`.
    """
    with _signals_held():
        aside: Path | None = None
        if out.is_dir() and any(out.iterdir()):
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, aside)  # replaces the empty folder mkdtemp made
        elif out.is_dir():
            out.rmdir()
        os.rename(staging, out)
    (out / STAGING_MARKER).unlink(missing_ok=True)
    if aside is not None:
        trash = aside.with_name(aside.name.replace(".old-", ".trash-", 1))
        os.rename(aside, trash)  # from here on, recover() may delete it without looking inside
        shutil.rmtree(trash, ignore_errors=True)


def keep_failed(staging: Path, out: Path) -> Path:
    """Keep a refused pack's staging folder for inspection (renamed ``.NAME.failed-*``)."""
    target = out.parent / f".{out.name}.failed-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    os.rename(staging, target)
    (target / STAGING_MARKER).unlink(missing_ok=True)
    return target


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """During the block, SIGTERM raises :class:`Terminated` and SIGINT ``KeyboardInterrupt``
    in the main thread, so ``finally``/``except`` cleanup runs. Elsewhere: no change."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: Any) -> None:
        raise Terminated(f"stopped by signal {signum}")

    old_term = signal.signal(signal.SIGTERM, on_term)
    old_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)
