"""Saving and loading model sets as LightGBM text plus JSON — never pickle.

A model set is a handful of files: ``model.json`` (metadata: inputs and units, categorical
encodings, derived features, targets, calibration constants, domain points, training-data
fingerprint, CV metrics, library versions, creation time), one LightGBM text file per
booster, and ``manifest.json`` with the sha256 of every other file and of the whole payload.
Loading refuses any file whose checksum does not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightgbm as lgb

from engine.errors import FormixError
from engine.models.features import DerivedFeature, FeatureEncoder
from engine.models.lightgbm_model import PropertyModel, TargetModel
from engine.models.linear import LinearBase
from engine.models.model_set import ModelSet
from engine.uncertainty.conformal import IntervalCalibration
from engine.uncertainty.domain import DomainModel

FORMAT = "formix-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
METADATA = "model.json"


class ModelFileError(FormixError):
    """A model file set is incomplete, of an unknown format, or was modified."""


def dump_model_files(model: ModelSet | PropertyModel) -> dict[str, bytes]:
    """Serialize a trained model set to named blobs (LightGBM text and JSON).

    Args:
        model: a ModelSet, or a bare fitted PropertyModel (wrapped without metadata).

    Returns:
        file name -> bytes, including ``manifest.json`` with the checksums.
    """
    model_set = model if isinstance(model, ModelSet) else ModelSet(model)
    fitted = model_set.model
    fitted.check_fitted()
    files: dict[str, bytes] = {}
    targets = []
    for i, (name, part) in enumerate(fitted.targets_.items()):
        point_file, spread_file = f"target-{i}-point.txt", f"target-{i}-spread.txt"
        files[point_file] = part.booster.model_to_string().encode("utf-8")
        files[spread_file] = part.spread_booster.model_to_string().encode("utf-8")
        targets.append(
            {
                "name": name,
                "unit": model_set.units.get(name, ""),
                "n_rows": part.n_rows,
                "params": part.params,
                "calibration": part.calibration.to_dict(),
                "booster": point_file,
                "spread_booster": spread_file,
                "cv_metrics": model_set.cv_metrics.get(name, {}),
                "linear": None if part.linear is None else part.linear.to_dict(),
            }
        )
    encoder = fitted.encoder_
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_utc": model_set.created_utc,
        "library_versions": model_set.library_versions,
        "training_fingerprint": model_set.training_fingerprint,
        "training_rows": model_set.training_rows,
        "inputs": [
            {
                "name": c,
                "unit": model_set.units.get(c, ""),
                "categorical": c in encoder.categorical,
                "categories": encoder.categories.get(c),
            }
            for c in encoder.inputs
        ],
        "encoder": encoder.to_dict(),
        "feature_names": fitted.feature_names_,
        "monotone_constraints": fitted.monotone_constraints_,
        "model_params": _model_params(fitted),
        "targets": targets,
        "domain": fitted.domain_.to_dict(),
    }
    files[METADATA] = _json_bytes(meta)
    files[MANIFEST] = _json_bytes(_manifest(files))
    return files


def load_model_files(files: Mapping[str, bytes]) -> ModelSet:
    """Rebuild a model set from ``dump_model_files`` blobs after checking every checksum.

    Raises:
        ModelFileError: a file is missing, modified, or of an unknown format.
    """
    if MANIFEST not in files:
        raise ModelFileError(f"not a Formix model: {MANIFEST} is missing")
    manifest = _parse_json(files[MANIFEST], MANIFEST)
    if manifest.get("format") != FORMAT:
        raise ModelFileError(f"not a Formix model file set (format {manifest.get('format')!r})")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"model format version {manifest.get('format_version')!r} is not supported "
            f"by this Formix (it reads version {FORMAT_VERSION})"
        )
    listed = manifest.get("files")
    if not isinstance(listed, dict) or METADATA not in listed:
        raise ModelFileError(f"{MANIFEST} does not list the model files")
    payload = {}
    for name, digest in listed.items():
        if name not in files:
            raise ModelFileError(f"model file {name!r} is missing")
        if hashlib.sha256(files[name]).hexdigest() != digest:
            raise ModelFileError(
                f"model file {name!r} does not match its checksum: it was modified or "
                "corrupted; refusing to load it"
            )
        payload[name] = files[name]
    if _payload_digest(listed) != manifest.get("payload_sha256"):
        raise ModelFileError(f"{MANIFEST} checksum of the payload does not match; refusing")
    meta = _parse_json(payload[METADATA], METADATA)
    try:
        return _build(meta, payload)
    except (KeyError, TypeError, ValueError, lgb.basic.LightGBMError) as error:
        raise ModelFileError(f"model metadata is inconsistent: {error}") from error


def save_model_dir(model: ModelSet | PropertyModel, path: str | Path) -> Path:
    """Write the model files into directory ``path`` atomically (manifest last).

    Each file is written to a temporary file, fsynced and renamed over the target; files of
    an earlier model in the same directory that the new manifest does not list are removed.
    """
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    files = dump_model_files(model)
    for name, data in files.items():
        if name != MANIFEST:
            _atomic_write(directory / name, data)
    _atomic_write(directory / MANIFEST, files[MANIFEST])
    for stale in directory.glob("target-*-*.txt"):
        if stale.name not in files:
            stale.unlink()
    _fsync_directory(directory)
    return directory


def load_model_dir(path: str | Path) -> ModelSet:
    """Load a model directory written by ``save_model_dir`` (checksums verified)."""
    directory = Path(path)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelFileError(f"{directory}: not a Formix model directory ({MANIFEST} missing)")
    files = {MANIFEST: manifest_path.read_bytes()}
    listed = _parse_json(files[MANIFEST], MANIFEST).get("files", {})
    for name in listed if isinstance(listed, dict) else ():
        if Path(name).name != name:
            raise ModelFileError(f"{MANIFEST} lists an unsafe file name {name!r}")
        file = directory / name
        if file.is_file():
            files[name] = file.read_bytes()
    return load_model_files(files)


# -- helpers ----------------------------------------------------------------------------------


def _model_params(model: PropertyModel) -> dict[str, Any]:
    params = model.get_params()
    params["inputs"] = list(params["inputs"]) if params["inputs"] is not None else None
    params["categorical"] = list(params["categorical"])
    params["derived"] = [d.to_dict() for d in params["derived"]]
    params["linear"] = list(params["linear"])
    params["monotone"] = dict(params["monotone"]) if params["monotone"] else None
    for key in ("params", "spread_params"):
        params[key] = dict(params[key]) if params[key] else None
    return params


def _build(meta: dict[str, Any], payload: Mapping[str, bytes]) -> ModelSet:
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(f"{METADATA} is not Formix model metadata of a known version")
    params = dict(meta["model_params"])
    params["derived"] = [DerivedFeature.from_dict(d) for d in params["derived"]]
    model = PropertyModel(**params)
    model.encoder_ = FeatureEncoder.from_dict(meta["encoder"])
    model.feature_names_ = list(meta["feature_names"])
    model.monotone_constraints_ = list(meta["monotone_constraints"])
    model.domain_ = DomainModel.from_dict(meta["domain"])
    targets: dict[str, TargetModel] = {}
    units: dict[str, str] = {i["name"]: i["unit"] for i in meta["inputs"] if i.get("unit")}
    cv_metrics = {}
    for entry in meta["targets"]:
        name = entry["name"]
        targets[name] = TargetModel(
            name=name,
            booster=_booster(payload, entry["booster"]),
            spread_booster=_booster(payload, entry["spread_booster"]),
            calibration=IntervalCalibration.from_dict(entry["calibration"]),
            n_rows=int(entry["n_rows"]),
            params=dict(entry["params"]),
            linear=None if entry.get("linear") is None else LinearBase.from_dict(entry["linear"]),
        )
        if entry.get("unit"):
            units[name] = entry["unit"]
        if entry.get("cv_metrics"):
            cv_metrics[name] = entry["cv_metrics"]
    model.targets_ = targets
    return ModelSet(
        model=model,
        units=units,
        training_fingerprint=meta["training_fingerprint"],
        training_rows=int(meta["training_rows"]),
        cv_metrics=cv_metrics,
        created_utc=meta["created_utc"],
        library_versions=dict(meta["library_versions"]),
    )


def _booster(payload: Mapping[str, bytes], name: str) -> lgb.Booster:
    if name not in payload:
        raise ModelFileError(f"model file {name!r} is not listed in {MANIFEST}")
    return lgb.Booster(model_str=payload[name].decode("utf-8"))


def _manifest(files: Mapping[str, bytes]) -> dict[str, Any]:
    listed = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "files": listed,
        "payload_sha256": _payload_digest(listed),
    }


def _payload_digest(listed: Mapping[str, str]) -> str:
    canonical = json.dumps(dict(sorted(listed.items())), separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True, allow_nan=True).encode("utf-8")


def _parse_json(data: bytes, name: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{name} is not valid JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise ModelFileError(f"{name} is not a JSON object")
    return parsed


def _atomic_write(path: Path, data: bytes) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp creates 0600; model files are not secrets
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - not supported on this platform
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
