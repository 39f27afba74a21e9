"""The plugin manifest (``formix.toml``): what a reader plugin declares without being imported.

Example::

    name = "tabular"
    display_name = "Tables (CSV, Excel)"
    version = "1.0.0"
    formix_contract = "1.0"

    [[readers]]
    id = "csv"
    title = "Delimited text"
    python_name = "plugins.tabular.csv_reader:DelimitedTextReader"
    patterns = ["*.csv", "*.txt"]
    produces = []
    priority = 0
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.schema import DatasetKind

__all__ = [
    "CONTRACT_VERSION",
    "ContractError",
    "ManifestError",
    "PluginManifest",
    "ReaderSpec",
    "contract_problem",
    "load_manifest",
    "parse_manifest",
]

# The reader contract's version (SemVer without patch): the minor grows with backwards-compatible
# additions, the major with breaking changes. A plugin built for "M.m" loads when M equals our
# major and m is at most our minor.
CONTRACT_VERSION = "1.0"

_SEMVER = re.compile(r"^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$")
_PYTHON_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")
_ID = re.compile(r"^[a-z][a-z0-9_\-]*$")


class ManifestError(ValueError):
    """A manifest is missing, is not TOML, or does not follow the contract."""


class ContractError(ManifestError):
    """A well-formed manifest for a reader contract this Formix does not provide.

    Attributes:
        version: the plugin's own version from the manifest ("?" when absent), for listings.
        display_name: the plugin's display name, when the manifest gives one.
    """

    def __init__(self, message: str, version: str = "?", display_name: str | None = None):
        super().__init__(message)
        self.version = version
        self.display_name = display_name


def contract_problem(required: str) -> str | None:
    """Why a plugin needing reader contract ``required`` cannot load here; None if it can.

    Compatible means: the same major version, and a minor version at most ours.
    """
    if not _SEMVER.match(required):
        return f"formix_contract '{required}' is not a version such as \"{CONTRACT_VERSION}\""
    major, minor = (int(part) for part in re.split(r"[.+-]", required)[:2])
    ours_major, ours_minor = (int(part) for part in CONTRACT_VERSION.split("."))
    if major == ours_major and minor <= ours_minor:
        return None
    if major < ours_major:
        advice = f"the plugin is too old; use a version of it built for contract {ours_major}.x"
    else:
        advice = (f"update Formix, or use a version of the plugin built for contract "
                  f"{CONTRACT_VERSION}")
    return (f"the plugin needs reader contract {required}; this Formix provides "
            f"{CONTRACT_VERSION} (the major version must match and the minor must be at most "
            f"{ours_minor}): {advice}")


class ReaderSpec(BaseModel):
    """One reader of a plugin, as declared in the manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=_ID.pattern)]
    title: str
    python_name: Annotated[str, Field(pattern=_PYTHON_NAME.pattern)]
    patterns: tuple[str, ...] = Field(min_length=1)
    produces: tuple[DatasetKind, ...] = ()
    priority: int = 0


class PluginManifest(BaseModel):
    """A plugin's manifest; ``formix_contract`` must be compatible with ``CONTRACT_VERSION``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=_ID.pattern)]
    display_name: str
    version: Annotated[str, Field(pattern=_SEMVER.pattern)]
    formix_contract: Annotated[str, Field(pattern=_SEMVER.pattern)]
    readers: tuple[ReaderSpec, ...] = Field(min_length=1)

    @field_validator("formix_contract")
    @classmethod
    def _compatible(cls, value: str) -> str:
        problem = contract_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("readers")
    @classmethod
    def _unique_ids(cls, value: tuple[ReaderSpec, ...]) -> tuple[ReaderSpec, ...]:
        ids = [spec.id for spec in value]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"reader ids must be unique; repeated: {', '.join(repeated)}")
        return value


def parse_manifest(text: str, origin: str) -> PluginManifest:
    """Parse and validate a manifest's TOML text.

    Raises:
        ContractError: the manifest asks for a reader contract this Formix does not provide.
        ManifestError: not TOML, or not a valid manifest; the message names ``origin``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{origin}: not valid TOML: {error}") from error
    required = data.get("formix_contract")
    if isinstance(required, str) and (problem := contract_problem(required)) is not None:
        version = data.get("version")
        display = data.get("display_name")
        raise ContractError(f"{origin}: {problem}",
                            version if isinstance(version, str) else "?",
                            display if isinstance(display, str) else None)
    try:
        return PluginManifest.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'manifest'}: {item['msg']}"
            for item in error.errors()
        )
        raise ManifestError(f"{origin}: invalid manifest: {problems}") from error


def load_manifest(path: Path) -> PluginManifest:
    """Read and validate a manifest file (``formix plugins validate`` uses this).

    Raises:
        ManifestError: unreadable or invalid.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ManifestError(f"{path}: cannot read: {error}") from error
    return parse_manifest(text, str(path))
