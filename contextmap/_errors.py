"""Exceptions raised by contextmap.

Every error derives from :class:`ContextMapError`; each subclass also inherits the
built-in exception a caller would naturally catch (``ValueError``, ``FileNotFoundError``).
Messages name the argument, file, row or column at fault and quote the offending value.
"""

from __future__ import annotations

__all__ = [
    "ContextMapError",
    "InputReadError",
    "InputNotFoundError",
    "ConfigError",
    "MappingError",
    "PrivacyError",
    "OutputExistsError",
    "WorkspaceError",
]


class ContextMapError(Exception):
    """Base class for every error raised by contextmap."""


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
