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

__all__ = ["CONTRACT_VERSION", "ManifestError", "PluginManifest", "ReaderSpec", "parse_manifest"]

# The reader contract's version: bump the minor for additions, the major for breaking changes.
CONTRACT_VERSION = "1.0"

_SEMVER = re.compile(r"^\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$")
_PYTHON_NAME = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*$")
_ID = re.compile(r"^[a-z][a-z0-9_\-]*$")


class ManifestError(ValueError):
    """A manifest is missing, is not TOML, or does not follow the contract."""


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
        major, minor = (int(part) for part in value.split(".")[:2])
        current_major, current_minor = (int(part) for part in CONTRACT_VERSION.split("."))
        if major != current_major or minor > current_minor:
            raise ValueError(
                f"plugin needs reader contract {value}; this Formix provides {CONTRACT_VERSION}"
            )
        return value


def parse_manifest(text: str, origin: str) -> PluginManifest:
    """Parse and validate a manifest's TOML text.

    Raises:
        ManifestError: not TOML, or not a valid manifest; the message names ``origin``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"{origin}: not valid TOML: {error}") from error
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
