"""Reading the YAML files a user gives (settings, column mappings, sources manifests), bounded.

YAML lets a 1 KB file describe a billion values: an anchor (``&a [lol, lol, ...]``) repeated
by aliases (``&b [*a, *a, ...]``, nine levels deep) is cheap to parse and explodes as soon as
anything walks it (a validation message quoting the value took 3-4 GB and died). Every YAML
file contextmap reads goes through :func:`load_yaml`, which reads it within fixed bounds
before building any Python value:

* the file is at most :data:`MAX_BYTES` (1 MiB: a settings file or manifest is a few KB);
* at most :data:`MAX_ALIASES` aliases (``*name``) in the file; anchors and aliases stay
  usable for what people write them for (a shared column mapping, a ``<<:`` merge key);
* the document, with every alias expanded, holds at most :data:`MAX_NODES` values, and
  nests at most :data:`MAX_DEPTH` levels; an alias that refers to itself is refused;
* the text is UTF-8 (a byte-order mark allowed).

Each refusal is a :class:`~contextmap.ConfigError` (or the caller's subclass, such as
:class:`~contextmap.ingest.columns.MappingError`) naming the file, the line and the bound,
never a traceback. The values are built by PyYAML's safe loader (no Python objects).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from contextmap._errors import ConfigError, InputNotFoundError

__all__ = ["load_yaml", "MAX_BYTES", "MAX_ALIASES", "MAX_NODES", "MAX_DEPTH"]

MAX_BYTES = 1 << 20
"""The largest YAML file read (1 MiB)."""
MAX_ALIASES = 100
"""The most aliases (``*name``) one file may use."""
MAX_NODES = 100_000
"""The most values (scalars, lists, mappings) a file may hold once its aliases are expanded."""
MAX_DEPTH = 64
"""The deepest nesting of lists and mappings."""

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse(error: type[ConfigError], where: str, mark: Any, what: str) -> ConfigError:
    line = f" (line {mark.line + 1})" if mark is not None else ""
    return error(f"{where}{line}: {what}")


def _check_events(text: str, where: str, error: type[ConfigError]) -> None:
    """Count aliases and nesting from the event stream (no value is built yet)."""
    depth = aliases = 0
    loader = _Loader(text)
    try:
        while loader.check_event():
            ev = loader.get_event()
            if isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _refuse(error, where, ev.start_mark,
                                  f"Expected lists and mappings nested at most {MAX_DEPTH} deep, instead got deeper")
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise _refuse(error, where, ev.start_mark,
                                  f"Expected at most {MAX_ALIASES} aliases (*name), instead got more: "
                                  "a file that repeats anchors this often is refused (it may expand to "
                                  "billions of values); write the values out")
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, where: str, error: type[ConfigError]) -> int:
    """How many values the document holds with every alias expanded (stops past the bound)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, done = stack.pop()
        key = id(n)
        if done:
            on_path.discard(key)
            kids = _children(n)
            total = 1 + sum(size[id(k)] for k in kids)
            if total > MAX_NODES:
                raise _refuse(error, where, n.start_mark,
                              f"Expected at most {MAX_NODES:,} values once aliases are expanded, instead got "
                              f"more than that (its aliases repeat other values many times over: a 'YAML bomb'?)")
            size[key] = total
            continue
        if key in size:
            continue
        if key in on_path:
            raise _refuse(error, where, n.start_mark, "Expected no value that contains itself, instead an alias "
                          "refers to the list or mapping it is inside")
        on_path.add(key)
        stack.append((n, True))
        stack += [(k, False) for k in _children(n) if id(k) not in size]
    return size[id(node)]


def _children(n: yaml.Node) -> list[yaml.Node]:
    if isinstance(n, yaml.SequenceNode):
        return list(n.value)
    if isinstance(n, yaml.MappingNode):
        return [x for pair in n.value for x in pair]
    return []


def load_yaml(path: str | Path, *, what: str = "YAML file", error: type[ConfigError] = ConfigError,
              encoding: str = "utf-8-sig") -> Any:
    """Read one YAML document within the bounds above; ``None`` for an empty file.

    Parameters
    ----------
    path
        The file.
    what
        How messages name it (``'settings file'``, ``'sources manifest'``).
    error
        The error class raised (a :class:`~contextmap.ConfigError` subclass).
    encoding
        The text encoding (UTF-8, with or without a byte-order mark).

    Raises
    ------
    InputNotFoundError
        If ``path`` is not a file.
    ConfigError
        (or ``error``) If the file is too large, not text in ``encoding``, not YAML, or past a
        bound (aliases, expanded values, nesting).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "ok.yaml").write_text("base: &b {Ref: child_id}\\nmore: *b\\n")
    >>> load_yaml(d / "ok.yaml")
    {'base': {'Ref': 'child_id'}, 'more': {'Ref': 'child_id'}}
    >>> levels = ['&a [1, 1, 1, 1, 1, 1, 1, 1, 1]'] + [
    ...     f"&{c} [{', '.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")]
    >>> _ = (d / "bomb.yaml").write_text("x: [" + ", ".join(levels) + "]\\n")
    >>> load_yaml(d / "bomb.yaml", what="settings file")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    contextmap._errors.ConfigError: settings file '.../bomb.yaml' (line 1): Expected at most 100,000 values once aliases are expanded, ...
    """
    p = Path(path)
    where = f"{what} {str(p)!r}"
    if not p.is_file():
        raise InputNotFoundError(f"{what} not found: {str(p)!r}")
    with p.open("rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise error(f"{where}: Expected a {what} of at most {MAX_BYTES // 1024:,} KB, instead got "
                    f"{p.stat().st_size:,} bytes; is it the right file?")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(f"{where} is not valid YAML: it is not UTF-8 text (byte {data[exc.start]:#04x} at byte "
                    f"offset {exc.start})") from None
    try:
        _check_events(text, where, error)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _expanded_size(node, where, error)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise error(f"{where} is not valid YAML: {exc}") from None
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise error(f"{where}: Expected lists and mappings nested at most {MAX_DEPTH} deep, instead got deeper") from None
