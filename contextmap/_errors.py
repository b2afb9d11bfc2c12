"""Exceptions raised by contextmap.

Every error derives from :class:`ContextMapError`; each subclass also inherits the
built-in exception a caller would naturally catch (``ValueError``, ``FileNotFoundError``).
Messages name the argument, file, row or column at fault and quote the offending value.
"""

from __future__ import annotations

import re

__all__ = [
    "mask_secrets",
    "ContextMapError",
    "InputReadError",
    "InputNotFoundError",
    "ConfigError",
    "MappingError",
    "PrivacyError",
    "OutputExistsError",
    "WorkspaceError",
]


_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
_WHOLE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\n]*")
_KEYWORD = re.compile(r"(?i)\b(password|passwd|pwd)(\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s;&]+)")


def mask_secrets(text: str) -> str:
    """``text`` with every password in a URL (``postgresql://user:***@host/db``) or a
    connection string (``password=***``) masked: the one function every log, message,
    exception text and pack goes through. The password is everything between the first
    ``:`` after the user name and the last ``@`` of the URL (so a password holding ``@``
    is masked whole); a text that is one URL (a command-line argument) is read whole, so a
    password holding a space is masked whole too.

    Examples
    --------
    >>> mask_secrets("contextmap pack -w postgresql://analyst:s3cret@db.example/cs --out x")
    'contextmap pack -w postgresql://analyst:***@db.example/cs --out x'
    >>> mask_secrets("postgresql://u:p@ss w0rd@db/cs")
    'postgresql://u:***@db/cs'
    >>> mask_secrets("host=db user=a password=s3cret"), mask_secrets("no secret here")
    ('host=db user=a password=***', 'no secret here')
    """
    if not isinstance(text, str):
        text = str(text)
    if "://" in text:
        text = _mask_url(text) if _WHOLE_URL.fullmatch(text) else _URL.sub(lambda m: _mask_url(m.group(0)), text)
    if "=" in text and _KEYWORD.search(text):
        text = _KEYWORD.sub(lambda m: m.group(1) + m.group(2) + "***", text)
    return text


def _mask_url(url: str) -> str:
    start = url.find("://") + 3
    at = url.rfind("@")
    if at < start or ":" not in url[start:at]:
        return url  # no user:password part
    colon = url.index(":", start)
    return url[:colon + 1] + "***" + url[at:]


class ContextMapError(Exception):
    """Base class for every error raised by contextmap. Its text never shows a password
    (:func:`mask_secrets`)."""

    def __str__(self) -> str:
        return mask_secrets(super().__str__())


class InputReadError(ContextMapError, ValueError):
    """An input cannot be read at all (encoding, format, missing table or sheet).

    Row-level problems never raise this: they are collected and quarantined instead.
    """


class InputNotFoundError(ContextMapError, FileNotFoundError):
    """An input path does not exist."""


class ConfigError(ContextMapError, ValueError):
    """A settings or configuration file holds an unknown key or an invalid value."""


class MappingError(ConfigError):
    """A column-mapping file is malformed or refers to columns that do not exist."""


class PrivacyError(ContextMapError, RuntimeError):
    """An output would disclose something its audience must not see."""


class OutputExistsError(ContextMapError, FileExistsError):
    """A writer was asked to write over an existing file without ``overwrite=True``."""


class WorkspaceError(ContextMapError, ValueError):
    """A workspace cannot be opened or used (not created yet, unknown case or action id...)."""
