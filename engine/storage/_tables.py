"""ORM tables of a Formix project (private: the store returns pandas frames and frozen types).

Times are stored as integer microseconds since the Unix epoch, UTC (``*_us`` columns): one
format for every path (ORM and bulk executemany), exact, and fast to turn into numpy.
Every imported row keeps ``import_id`` and ``source_row`` (the row a user sees in the file).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


class ProjectMetaRow(SQLModel, table=True):
    """Key/value settings of the project (JSON values)."""

    __tablename__ = "project_meta"
    key: str = Field(primary_key=True)
    value_json: str


class ImportRow(SQLModel, table=True):
    """One file of one import, with the checksum and findings recorded for provenance."""

    __tablename__ = "imports"
    id: int | None = Field(default=None, primary_key=True)
    import_group: int = Field(index=True)  # files imported in one transaction share it
    kind: str
    file_name: str
    file_path: str
    sha256: str = Field(index=True)
    imported_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    n_rows: int
    profile_json: str
    findings_json: str


class MaterialRow(SQLModel, table=True):
    """Materials catalogue: ingredient or element, with price, CO₂ factor and density."""

    __tablename__ = "materials"
    material: str = Field(primary_key=True)
    name: str
    kind: str
    unit: str
    price_per_unit: float | None = None
    currency: str | None = None
    co2_per_unit: float | None = None  # kg CO₂-eq per unit
    density_kg_m3: float | None = None
    source: str | None = None
    import_id: int | None = Field(default=None, foreign_key="imports.id")


class RecipeRow(SQLModel, table=True):
    """One version of a recipe; component amounts and settings are child rows."""

    __tablename__ = "recipes"
    __table_args__ = (UniqueConstraint("recipe_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    recipe_id: str = Field(index=True)
    version: int = 1
    name: str | None = None
    family: str | None = None
    import_id: int | None = Field(default=None, foreign_key="imports.id")
    source_row: int | None = None


class RecipeComponentRow(SQLModel, table=True):
    """Amount of one material in a recipe version, in its canonical unit."""

    __tablename__ = "recipe_components"
    recipe_pk: int = Field(foreign_key="recipes.id", primary_key=True)
    material: str = Field(primary_key=True)
    amount: float
    unit: str


class RecipeSettingRow(SQLModel, table=True):
    """A process setting of a recipe version: numeric (with unit) or categorical (text)."""

    __tablename__ = "recipe_settings"
    recipe_pk: int = Field(foreign_key="recipes.id", primary_key=True)
    setting: str = Field(primary_key=True)
    value_num: float | None = None
    value_text: str | None = None
    unit: str | None = None


class BatchRow(SQLModel, table=True):
    """A batch produced from a recipe on a plant/line in a time window."""

    __tablename__ = "batches"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(unique=True)
    recipe_id: str = Field(index=True)
    recipe_version: int | None = None
    plant: str | None = None
    line: str | None = None
    start_time_us: int | None = Field(default=None, sa_column=Column(BigInteger))
    end_time_us: int | None = Field(default=None, sa_column=Column(BigInteger))
    import_id: int | None = Field(default=None, foreign_key="imports.id")
    source_row: int | None = None


class BatchAmountRow(SQLModel, table=True):
    """Weighed amount of one material in a batch, canonical unit."""

    __tablename__ = "batch_amounts"
    batch_pk: int = Field(foreign_key="batches.id", primary_key=True)
    material: str = Field(primary_key=True)
    amount: float
    unit: str


class ProcessTagRow(SQLModel, table=True):
    """A historian tag and the canonical unit of its values."""

    __tablename__ = "process_tags"
    id: int | None = Field(default=None, primary_key=True)
    tag: str = Field(unique=True)
    unit: str | None = None


class ProcessChunkRow(SQLModel, table=True):
    """Up to ``CHUNK_SAMPLES`` historian samples of one tag from one import, stored columnar.

    Millions of samples per import make row-per-sample storage slow to write and read; a
    chunk holds little-endian numpy arrays (int64 µs times, float64 values, int64 source
    rows) and, when samples name batches, int32 codes into a JSON list of batch ids. Chunks
    are written in the import's transaction like every other row.
    """

    __tablename__ = "process_chunks"
    __table_args__ = (Index("ix_process_chunks_tag_time", "tag_id", "t_min_us", "t_max_us"),)
    id: int | None = Field(default=None, primary_key=True)
    tag_id: int = Field(foreign_key="process_tags.id")
    import_id: int = Field(foreign_key="imports.id")
    n_samples: int
    t_min_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    t_max_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    times_us: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    values: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    source_rows: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    batch_codes: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    batch_ids_json: str | None = None


class LabResultRow(SQLModel, table=True):
    """A measured property of a batch (or sample) at a test age; one row per replicate."""

    __tablename__ = "lab_results"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(index=True)
    property: str
    test_age_days: float | None = None
    value: float
    unit: str
    replicate: int = 1
    import_id: int | None = Field(default=None, foreign_key="imports.id")
    source_row: int | None = None


class ModelVersionRow(SQLModel, table=True):
    """A saved model set version: LightGBM text files + JSON metadata, never pickles."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    version: int
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    metadata_json: str
    sha256: str


class ModelFileRow(SQLModel, table=True):
    """One file of a saved model version."""

    __tablename__ = "model_files"
    model_pk: int = Field(foreign_key="model_versions.id", primary_key=True)
    file_name: str = Field(primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class OptimisationRunRow(SQLModel, table=True):
    """One optimisation run: the study, the model version used and its Pareto set (JSON)."""

    __tablename__ = "optimisation_runs"
    id: int | None = Field(default=None, primary_key=True)
    study_name: str
    study_toml: str
    model_name: str
    model_version: int
    mode: str  # "optimise" or "explore"
    seed: int
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    summary_json: str
    pareto_json: str
    baseline_json: str | None = None


class RecommendationRow(SQLModel, table=True):
    """A recommended (or exploratory) recipe of a run, with its predictions and explanation."""

    __tablename__ = "recommendations"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="optimisation_runs.id", index=True)
    rank: int
    kind: str  # "recommendation" or "exploration"
    recipe_json: str
    predicted_json: str
    explanation_json: str
    created_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))


class TrialRow(SQLModel, table=True):
    """A recommendation the plant tried: the batch that made it (lab results join by batch)."""

    __tablename__ = "trials"
    __table_args__ = (UniqueConstraint("recommendation_id", "batch_id"),)
    id: int | None = Field(default=None, primary_key=True)
    recommendation_id: int = Field(foreign_key="recommendations.id", index=True)
    batch_id: str = Field(index=True)
    recorded_at_us: int = Field(sa_column=Column(BigInteger, nullable=False))
    note: str | None = None
