"""Loading plugin parts: manifests through importlib.resources, reader classes by name."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.resources
import inspect
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.ingest.manifest import ManifestError, PluginManifest, parse_manifest

_log = logging.getLogger("engine.ingest.registry")


def read_manifest(point: importlib.metadata.EntryPoint) -> PluginManifest:
    """Read and validate the manifest an entry point names, without importing reader code.

    Raises:
        ManifestError: the manifest is missing, unreadable or invalid.
    """
    module, _, resource = point.value.partition(":")
    origin = f"plugin '{point.name}' ({point.value})"
    if not resource:
        raise ManifestError(f"{origin}: the entry point must be 'package:manifest.toml'")
    try:
        text = importlib.resources.files(module.strip()).joinpath(resource.strip()).read_text(
            encoding="utf-8"
        )
    except Exception as error:  # missing package or file, unreadable resource
        raise ManifestError(f"{origin}: cannot read the manifest: {error}") from error
    manifest = parse_manifest(text, origin)
    if manifest.name != point.name:
        _log.info("plugin entry point '%s' declares name '%s'", point.name, manifest.name)
    return manifest


def import_reader_class(python_name: str) -> type:
    """Import "pkg.module:Class" and check it has ``can_read(path)`` and ``read(path, progress)``.

    Raises:
        Exception: whatever the import raises; TypeError when the class does not fit.
    """
    module_name, _, attribute = python_name.partition(":")
    module = importlib.import_module(module_name)
    cls = getattr(module, attribute)
    if not inspect.isclass(cls):
        raise TypeError(f"{python_name} is not a class")
    for method, n_args in (("can_read", 1), ("read", 2)):
        member = getattr(cls, method, None)
        if not callable(member):
            raise TypeError(f"{python_name} has no method {method}()")
        params = [p for p in inspect.signature(member).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) - 1 < n_args:  # minus self
            raise TypeError(f"{python_name}.{method}() must take {n_args} argument(s)")
    return cls


def accepted_options(cls: type, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options a reader class declares in ``__init__`` (all of them with ``**kwargs``)."""
    parameters = inspect.signature(cls).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return dict(options)
    names = {p.name for p in parameters}
    return {key: value for key, value in options.items() if key in names}


def describe_content(path: Path) -> str:
    """A short description of what a file's first bytes look like, for error messages."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as error:
        return f"unreadable ({error})"
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (an .xlsx workbook?)"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an OLE2 file (a legacy .xls workbook?)"
    text = head.decode("utf-8", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    if b"\x00" in head or printable < 0.9 * len(text):
        return "binary data"
    first = text.splitlines()[0] if text.splitlines() else text
    return f"text starting with '{first[:40]}'"
