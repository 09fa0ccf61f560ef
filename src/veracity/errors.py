"""The error hierarchy.

Every failure Veracity reports on purpose is a :class:`VeracityError`. The CLI maps
``exit_code`` to the process exit status and prints ``str(error)`` as one line.
"""

from __future__ import annotations

__all__ = [
    "FILE_CRASHES",
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
    "error_record",
]

# What a decoder or detector may raise on one odd file; a batch records it and goes on.
FILE_CRASHES: tuple[type[Exception], ...] = (
    ArithmeticError,
    LookupError,
    OSError,
    RuntimeError,
    ValueError,
)


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


def error_record(path: str, exc: BaseException) -> dict[str, str]:
    """The JSON record of a file that could not be analysed: ``path``, ``error``, ``error_type``.

    Errors that are not a :class:`VeracityError` are bugs met on that file; the message
    says so and ``error_type`` names the exception so it can be reproduced.
    """
    message = str(exc) if isinstance(exc, VeracityError) else f"internal error: {exc}"
    return {"path": path, "error": message, "error_type": type(exc).__name__}
