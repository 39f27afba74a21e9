"""Import of plant files: reader plugins, column mapping and normalisation to canonical frames.

The flow: ``default_registry().reader_for(path, options)`` → ``reader.read(path, progress)``
→ ``suggest_profile(table)`` (or a saved ``ImportProfile``) → ``normalise(table, profile,
file_label)`` → the importer stores the frames when ``.ok``, all or nothing.
"""

from engine.ingest.mapping import (
    ColumnMapping,
    ImportProfile,
    ProfileDefaults,
    ReaderOptions,
    load_profile,
    save_profile,
)
from engine.ingest.normalise import NormalisedImport, normalise
from engine.ingest.reader import Reader, ReadResult, SourceTable
from engine.ingest.registry import ReaderRegistry, default_registry
from engine.ingest.suggest import Suggestion, suggest_mapping, suggest_profile

__all__ = [
    "ColumnMapping",
    "ImportProfile",
    "NormalisedImport",
    "ProfileDefaults",
    "ReadResult",
    "Reader",
    "ReaderOptions",
    "ReaderRegistry",
    "SourceTable",
    "Suggestion",
    "default_registry",
    "load_profile",
    "normalise",
    "save_profile",
    "suggest_mapping",
    "suggest_profile",
]
