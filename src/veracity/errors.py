"""The error hierarchy.

Every failure Veracity reports on purpose is a :class:`VeracityError`. The CLI maps
``exit_code`` to the process exit status and prints ``str(error)`` as one line.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CorruptMediaError",
    "CredentialError",
    "InputError",
    "LimitExceededError",
    "MissingExtraError",
    "ModelError",
    "OutputExistsError",
    "ResolverError",
    "StoreError",
    "UnsupportedFormatError",
    "UsageError",
    "VeracityError",
]


class VeracityError(Exception):
    """Base class of every error Veracity raises deliberately."""

    exit_code: int = 2


class UsageError(VeracityError):
    """The command line or API call was malformed (bad flag value, bad payload hex)."""


class InputError(VeracityError):
    """An input file cannot be used."""


class UnsupportedFormatError(InputError):
    """The file is readable but of a type or format Veracity does not handle."""


class CorruptMediaError(InputError):
    """The file claims a supported format but cannot be decoded (truncated, damaged)."""


class LimitExceededError(InputError):
    """The input is larger, longer or slower to decode than the configured limits allow."""


class OutputExistsError(UsageError):
    """The output path exists and overwriting was not requested."""


class ConfigError(VeracityError):
    """A configuration file or identity is missing or invalid."""


class ModelError(VeracityError):
    """A shipped model file is missing or does not match its model card."""

    exit_code = 3


class CredentialError(VeracityError):
    """Signing or reading Content Credentials failed."""


class StoreError(VeracityError):
    """The manifest store (SQLite or PostgreSQL) is unreachable or inconsistent."""

    exit_code = 3


class ResolverError(VeracityError):
    """A remote Soft Binding Resolution service could not be reached or answered badly."""

    exit_code = 3


class MissingExtraError(ConfigError):
    """An optional dependency group (e.g. ``server``, ``distributed``) is not installed."""

    exit_code = 3
