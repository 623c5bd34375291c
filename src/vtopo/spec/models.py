"""The topology file as pydantic models: every rule a user can get wrong.

Field-level rules live on the fields; rules that span the file (one primary,
references between sections, pgvector limits) live in Topology's validator.
Each error raised here carries the location of the offending key so the
loader can print `FILE:LINE: path.to.key: message`.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from .environments import check_environment_name, partial_model
from .names import CollectionName, Identifier, QualifiedName, RoleName, bounded_name, split_qualified
from .rules import cross_reference_problems
from .secrets import find_references, is_reference, without_references

# pgvector limits (0.8): storable dimensions and indexable dimensions per type.
MAX_DIMENSIONS = {"vector": 16000, "halfvec": 16000}
MAX_INDEXED_DIMENSIONS = {"vector": 2000, "halfvec": 4000}


class VectorType(str, Enum):
    vector = "vector"
    halfvec = "halfvec"


class Measure(str, Enum):
    cosine = "cosine"
    l2 = "l2"
    inner_product = "inner_product"


class IndexMethod(str, Enum):
    hnsw = "hnsw"
    ivfflat = "ivfflat"
    none = "none"


class MetadataType(str, Enum):
    text = "text"
    integer = "integer"
    bigint = "bigint"
    numeric = "numeric"
    boolean = "boolean"
    timestamptz = "timestamptz"


class IterativeScan(str, Enum):
    off = "off"
    strict_order = "strict_order"
    relaxed_order = "relaxed_order"


class Spec(BaseModel):
    """Base for every section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class ServerOptions(Spec):
    """postgres_fdw server options the user may tune (extensions 'vector' is always set)."""

    fetch_size: int = Field(1000, ge=1, le=1_000_000, description="Rows per round trip.")
    async_capable: bool = Field(True, description="Concurrent foreign scans under Append.")
    use_remote_estimate: bool = Field(False, description="Ask the remote for costs (extra round trips).")
    fdw_startup_cost: float | None = Field(None, ge=0)
    fdw_tuple_cost: float | None = Field(None, ge=0)


class FdwSpec(Spec):
    """How the primary reaches this database through postgres_fdw."""

    host: str | None = Field(None, description="Defaults to the host of dsn.")
    port: int | None = Field(None, ge=1, le=65535, description="Defaults to the port of dsn.")
    dbname: str | None = Field(None, description="Defaults to the database of dsn.")
    user: RoleName | None = Field(None, description="Read-only login role vtopo manages here (default vtopo_fdw_<database>_<hash of the database name>; roles are shared by every database of a server).")
    password: str | None = Field(None, description="Must be a ${env:NAME} or ${file:PATH} reference.")
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] | None = None
    options: ServerOptions = Field(default_factory=ServerOptions)

    @field_validator("password")
    @classmethod
    def _password_is_reference(cls, value: str | None) -> str | None:
        if value is not None and (not is_reference(value) or without_references(value).strip()):
            raise ValueError("a password must come from ${env:NAME} or ${file:PATH}, never literally from the file")
        return value


# PostgreSQL's duration and memory units, as `SET` takes them ('30s', '500ms', '64MB').
_DURATION = r"^\d+(\.\d+)?\s*(us|ms|s|min|h|d)?$"
_MEMORY = r"^\d+\s*(B|kB|MB|GB|TB)?$"


class ReaderSpec(Spec):
    """Limits of the reader role on this database (the role queries through the primary run as)."""

    connection_limit: int | None = Field(None, ge=1, le=100_000, description="Most connections the role may hold (CONNECTION LIMIT; default unlimited).")
    statement_timeout: str | None = Field(None, pattern=_DURATION, description="Longest a query through the primary may run here, e.g. '30s'.")
    idle_in_transaction_session_timeout: str | None = Field(None, pattern=_DURATION, description="e.g. '60s'.")
    work_mem: str | None = Field(None, pattern=_MEMORY, description="Memory per sort or hash of such a query, e.g. '16MB'.")

    def settings(self) -> dict[str, str]:
        """The role settings (applied IN DATABASE); connection_limit is the role's own."""
        values = {
            "statement_timeout": self.statement_timeout,
            "idle_in_transaction_session_timeout": self.idle_in_transaction_session_timeout,
            "work_mem": self.work_mem,
        }
        return {name: value for name, value in values.items() if value is not None}


def _checked_dsn(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    if _literal_password_in_dsn(value):
        raise ValueError("the DSN holds a literal password; use ${env:NAME} or ${file:PATH} for it")
    return value


Dsn = Annotated[str, AfterValidator(_checked_dsn)]


class Reads(str, Enum):
    """Which server of a database with replicas answers reads (libpq's choice: spec/reads.py)."""

    primary_first = "primary-first"
    replicas_first = "replicas-first"
    spread = "spread"


class ReplicaFdwSpec(Spec):
    """Where the primary reaches this replica (defaults from its dsn, like the database's fdw)."""

    host: str | None = Field(None, description="Defaults to the host of the replica's dsn.")
    port: int | None = Field(None, ge=1, le=65535, description="Defaults to the port of the replica's dsn.")


class ReplicaSpec(Spec):
    """A streaming standby of the database: vtopo reads from it, never writes to it."""

    dsn: Dsn = Field(description="How vtopo reaches the replica (same database and roles as the database's own dsn).")
    fdw: ReplicaFdwSpec | None = None
    max_lag: str = Field("30s", pattern=_DURATION, description="Replay lag above which `vtopo check` warns, e.g. '30s'.")


class DatabaseSpec(Spec):
    primary: bool = Field(False, strict=True)
    dsn: Dsn = Field(description="libpq URI or key=value string; put the password in a ${env:...} reference.")
    fdw: FdwSpec | None = None
    reader: ReaderSpec | None = Field(None, description="Limits of the reader role the primary logs in as here (secondaries only).")
    replicas: list[ReplicaSpec] = Field(default_factory=list, max_length=32,
                                        description="Streaming standbys of this database that reads may use (secondaries only).")
    reads: Reads | None = Field(None, description="Which server answers reads: spread (default: any live one, at random), primary-first or replicas-first.")

    @model_validator(mode="after")
    def _reader_only_on_secondaries(self) -> DatabaseSpec:
        if self.primary and self.reader is not None:
            raise _error_at("reader", "the primary has no reader role: reader limits belong to the secondaries the primary reads")
        if self.primary and self.replicas:
            raise _error_at("replicas", "replicas apply to secondaries: the primary is where clients connect; "
                            "give its replicas to your clients' connection strings")
        if self.reads is not None and not self.replicas:
            raise _error_at("reads", "reads chooses between the database and its replicas; add replicas or remove reads")
        return self

    @property
    def effective_reads(self) -> Reads:
        return self.reads or Reads.spread


class BuildSpec(Spec):
    """Session settings of this index's builds and online replacements (never left on the server)."""

    maintenance_work_mem: str | None = Field(None, pattern=_MEMORY, description="Memory for the build, e.g. '2GB' (default: the server's).")
    parallel_workers: int | None = Field(None, ge=0, le=64, description="Parallel maintenance workers for the build (default: the server's max_parallel_maintenance_workers).")

    def settings(self) -> dict[str, str]:
        values = {"maintenance_work_mem": self.maintenance_work_mem,
                  "max_parallel_maintenance_workers": None if self.parallel_workers is None else str(self.parallel_workers)}
        return {name: value for name, value in values.items() if value is not None}


class IndexSpec(Spec):
    method: IndexMethod = IndexMethod.hnsw
    m: int | None = Field(None, ge=2, le=100, description="HNSW: links per node (default 16).")
    ef_construction: int | None = Field(None, ge=4, le=1000, description="HNSW: build candidate list (default 64, >= 2*m).")
    lists: int | None = Field(None, ge=1, le=32768, description="IVFFlat: number of lists (default 100).")
    build: BuildSpec | None = Field(None, description="Settings of this index's builds (memory, parallel workers).")

    @model_validator(mode="after")
    def _parameters_fit_method(self) -> IndexSpec:
        hnsw_only = [k for k in ("m", "ef_construction") if getattr(self, k) is not None]
        if self.method is not IndexMethod.hnsw and hnsw_only:
            raise _error_at(hnsw_only[0], f"{hnsw_only[0]} applies only to method hnsw")
        if self.method is not IndexMethod.ivfflat and self.lists is not None:
            raise _error_at("lists", "lists applies only to method ivfflat")
        if self.method is IndexMethod.none and self.build is not None:
            raise _error_at("build", "build settings apply to a vector index; method none builds none")
        if self.method is IndexMethod.hnsw and self.effective_ef_construction < 2 * self.effective_m:
            raise _error_at(
                "ef_construction",
                f"ef_construction ({self.effective_ef_construction}) must be at least 2 * m ({2 * self.effective_m})",
            )
        return self

    @property
    def effective_m(self) -> int:
        return self.m if self.m is not None else 16

    @property
    def effective_ef_construction(self) -> int:
        return self.ef_construction if self.ef_construction is not None else 64

    @property
    def effective_lists(self) -> int:
        return self.lists if self.lists is not None else 100


class MetadataField(Spec):
    type: MetadataType = MetadataType.text
    index: bool = Field(False, description="Create a B-tree index on the promoted field.")

    @model_validator(mode="after")
    def _indexable(self) -> MetadataField:
        if self.index and self.type is MetadataType.timestamptz:
            raise _error_at(
                "index",
                "timestamptz fields cannot be indexed: reading a timestamp from JSON depends on the "
                "session time zone, which PostgreSQL does not allow in an index; store epoch seconds "
                "as a bigint field to index it",
            )
        return self


# Columns every view already has: a promoted field may not take their names.
RESERVED_FIELD_NAMES = ("id", "embedding", "metadata", "vec", "vtopo_bucket")
# Columns the search function returns besides id, metadata and the promoted fields.
SEARCH_RESULT_NAMES = ("distance", "similarity")


class ExposeSpec(Spec):
    view: QualifiedName = Field(description="View on the primary, e.g. public.docs.")
    grant: list[RoleName] = Field(default_factory=list, description="Roles that get SELECT on the view (and EXECUTE on the search function).")
    function: QualifiedName | bool = Field(
        True,
        description="Search function on the primary for client libraries (supabase.rpc): "
        "default <view schema>.match_<view name>; false: none.",
    )

    @property
    def function_name(self) -> str | None:
        """The search function's qualified name, or None when turned off."""
        if self.function is False:
            return None
        if self.function is True:
            schema, relation = split_qualified(self.view)
            return f"{schema}.{bounded_name('match', relation)}"
        return self.function

    @field_validator("view", "function")
    @classmethod
    def _not_in_vecs(cls, value: str | bool, info: ValidationInfo) -> str | bool:
        if isinstance(value, bool):
            return value
        what = "views" if info.field_name == "view" else "search functions"
        schema = split_qualified(value)[0]
        if schema == "vecs":
            raise ValueError(f"{what} must not live in schema vecs: the Vecs client would mistake them for collections")
        if schema == "vtopo":
            raise ValueError(f"{what} must not live in schema vtopo: it holds vtopo's own foreign tables and exposure views")
        if schema.startswith("pg_"):
            raise ValueError(f"schema {schema!r}: names starting with 'pg_' are reserved by PostgreSQL")
        return value


class SearchSpec(Spec):
    """Search settings for queries arriving through the primary (set on the reading role)."""

    ef_search: int | None = Field(None, ge=1, le=1000, description="hnsw.ef_search")
    iterative_scan: IterativeScan | None = Field(None, description="hnsw/ivfflat.iterative_scan")
    max_scan_tuples: int | None = Field(None, ge=1, description="hnsw.max_scan_tuples")
    probes: int | None = Field(None, ge=1, le=32768, description="ivfflat.probes")
    max_probes: int | None = Field(None, ge=1, le=32768, description="ivfflat.max_probes")

    @field_validator("iterative_scan", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML 1.1 reads a bare `off` as false; the user meant pgvector's "off".
        return "off" if value is False else value


class CollectionSpec(Spec):
    database: Identifier | None = Field(None, description="Key of the database that holds the rows (or shards).")
    shards: list[Identifier] | None = Field(
        None, min_length=2, max_length=64,
        description="Keys of the secondaries that hold the rows between them, placed by id (instead of database).",
    )
    dimension: int = Field(ge=1, le=16000, strict=True)
    type: VectorType = VectorType.vector
    measure: Measure = Measure.cosine
    index: IndexSpec = Field(default_factory=IndexSpec)
    metadata: dict[Identifier, MetadataField] = Field(default_factory=dict)
    gin_index: bool = Field(
        True,
        strict=True,
        description="The GIN index on metadata (jsonb_path_ops) that serves Vecs's @> filters; "
        "false for a collection without one (Vecs 0.4.5 makes none).",
    )
    expose: ExposeSpec | None = None
    search: SearchSpec | None = None
    prevent_destroy: bool = Field(False, description="Never drop this collection, even with --allow-destroy.")
    prewarm: bool = Field(False, description="Load the vector index into shared buffers (pg_prewarm) after apply and on check --prewarm.")

    @property
    def databases(self) -> list[str]:
        """Where the rows live: the shards, or the one database."""
        return list(self.shards) if self.shards else [self.database] if self.database else []

    @property
    def sharded(self) -> bool:
        return bool(self.shards)

    @model_validator(mode="after")
    def _one_home(self) -> CollectionSpec:
        if (self.database is None) == (self.shards is None):
            raise _error_at("database", "give database (one database holds the rows) or shards (several do), not both"
                            if self.database else "required key is missing (or shards: [a, b, ...])")
        if self.shards:
            repeated = sorted({shard for shard in self.shards if self.shards.count(shard) > 1})
            if repeated:
                raise _error_at("shards", f"shard {repeated[0]!r} is listed twice")
            if self.expose is None:
                raise _error_at("shards", "a sharded collection is searched as one through the primary: give it expose.view "
                                "(its view and search function hold the bucket map)")
        return self

    @model_validator(mode="after")
    def _fits_pgvector(self) -> CollectionSpec:
        for name in self.metadata:
            if name in RESERVED_FIELD_NAMES:
                raise _error_at(("metadata", name), f"{name!r} is a column of every collection view; choose another field name")
            if name in SEARCH_RESULT_NAMES and self.expose is not None and self.expose.function_name is not None:
                raise _error_at(
                    ("metadata", name),
                    f"{name!r} is a column of the search function's results; choose another field name, "
                    "or set expose.function: false",
                )
        kind = self.type.value
        if self.dimension > MAX_DIMENSIONS[kind]:
            raise _error_at("dimension", f"{kind} holds at most {MAX_DIMENSIONS[kind]} dimensions")
        if self.index.method is not IndexMethod.none and self.dimension > MAX_INDEXED_DIMENSIONS[kind]:
            halfvec = "type halfvec (up to 4000) or " if kind == "vector" else ""
            raise _error_at(
                "dimension",
                f"pgvector indexes {kind} columns of at most {MAX_INDEXED_DIMENSIONS[kind]} dimensions; "
                f"use {halfvec}index: {{method: none}}",
            )
        if self.index.method is IndexMethod.ivfflat and self.measure is not Measure.l2 and self.dimension < 2:
            raise _error_at(
                "dimension",
                f"pgvector's IVFFlat index with measure {self.measure.value} needs at least 2 dimensions; "
                "use measure l2, method hnsw or index: {method: none}",
            )
        if self.search is not None:
            _check_search_fits_index(self.search, self.index.method)
        return self


EnvironmentName = Annotated[str, AfterValidator(check_environment_name)]


class EnvironmentSpec(Spec):
    """Values one environment overrides (deep-merged over the base; null removes a key)."""

    databases: dict[Identifier, Optional[partial_model(DatabaseSpec, Spec)]] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Partial database entries: dsn, fdw, ..."
    )
    collections: dict[CollectionName, Optional[partial_model(CollectionSpec, Spec)]] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Partial collection entries: index parameters, dimension, ..."
    )


class Topology(Spec):
    version: Literal[1] = Field(description="Format version of this file.")
    name: str | None = Field(None, max_length=63, description="Used in reports and lock keys.")
    databases: dict[Identifier, DatabaseSpec] = Field(min_length=1)
    collections: dict[CollectionName, CollectionSpec] = Field(default_factory=dict)
    environments: dict[EnvironmentName, EnvironmentSpec] = Field(
        default_factory=dict, description="Named overrides of databases and collections, selected with --env NAME."
    )

    _source_path: Path | None = PrivateAttr(default=None)
    _environment: str | None = PrivateAttr(default=None)

    @property
    def environment(self) -> str | None:
        """The environment merged into this topology (None: the base)."""
        return self._environment

    @property
    def source_path(self) -> Path:
        return self._source_path or Path("topology.yaml")

    @property
    def primary_name(self) -> str:
        return next(name for name, db in self.databases.items() if db.primary)

    def collections_in(self, database: str) -> dict[str, CollectionSpec]:
        """The collections with rows in `database` (sharded ones included)."""
        return {name: c for name, c in self.collections.items() if database in c.databases}

    def secret_references(self) -> list[tuple[str, str, str]]:
        """(key_path, kind, name) of every ${...} reference in the file."""
        found: list[tuple[str, str, str]] = []
        for db_name, db in self.databases.items():
            texts = [("dsn", db.dsn), ("fdw.password", db.fdw.password if db.fdw else None)]
            texts += [(f"replicas[{index}].dsn", replica.dsn) for index, replica in enumerate(db.replicas)]
            for key, text in texts:
                for kind, name in find_references(text or ""):
                    found.append((f"databases.{db_name}.{key}", kind, name))
        return found

    @model_validator(mode="after")
    def _cross_references(self) -> Topology:
        problems = cross_reference_problems(self.model_dump(mode="json"))
        if problems:
            raise ValidationError.from_exception_data(
                self.__class__.__name__, [_detail(loc, message) for loc, message in problems]
            )
        return self


# Keys CollectionSpec's own rules read whose defaults could stand in for a wrong value and
# report a problem the user does not have (a pruned `index` would become the default hnsw).
_KEYS_THE_RULES_DEFAULT = frozenset({"dimension", "type", "index", "measure", "database", "shards"})


def collection_rule_problems(name: str, raw: Any, failing_keys: set[str]) -> list[tuple[tuple[Any, ...], str]]:
    """The collection's own rules (dimension vs index, search vs method, ...) on its raw
    entry: pydantic skips them while any key of the collection has a field error, so run
    them again with the failing keys left out, unless a left-out key feeds them."""
    if not isinstance(raw, dict) or failing_keys & _KEYS_THE_RULES_DEFAULT:
        return []
    pruned = {key: value for key, value in raw.items() if key not in failing_keys}
    try:
        CollectionSpec.model_validate(pruned)
    except ValidationError as error:
        return [
            (("collections", name, *detail["loc"]), detail["msg"])
            for detail in error.errors(include_url=False)
            if detail["type"] == "vtopo"
        ]
    return []


def _check_search_fits_index(search: SearchSpec, method: IndexMethod) -> None:
    if method is IndexMethod.none and search.iterative_scan is not None:
        raise _error_at(("search", "iterative_scan"), "iterative_scan applies only to index methods hnsw and ivfflat")
    if method is not IndexMethod.hnsw:
        for key in ("ef_search", "max_scan_tuples"):
            if getattr(search, key) is not None:
                raise _error_at(("search", key), f"{key} applies only to index method hnsw")
    if method is IndexMethod.ivfflat and search.iterative_scan is IterativeScan.strict_order:
        raise _error_at(
            ("search", "iterative_scan"),
            "pgvector's IVFFlat iterative scan supports only relaxed_order (or off)",
        )
    if method is not IndexMethod.ivfflat:
        for key in ("probes", "max_probes"):
            if getattr(search, key) is not None:
                raise _error_at(("search", key), f"{key} applies only to index method ivfflat")


def _literal_password_in_dsn(dsn: str) -> bool:
    # References stand in as a marker: a password made only of references is fine.
    marker = "vtopo0reference0"
    text = without_references(dsn, marker)
    if not text.replace(marker, "").strip():
        return False  # the whole DSN is a reference (the usual case): nothing to parse
    from psycopg.conninfo import conninfo_to_dict  # imported here: validate stays light

    try:
        password = conninfo_to_dict(text).get("password") or ""
    except Exception:  # unparsable: reported when the DSN is used, not a secret question
        return False
    return bool(password.replace(marker, ""))


def _error_at(key: str | tuple[str, ...], message: str) -> ValidationError:
    loc = (key,) if isinstance(key, str) else key
    return ValidationError.from_exception_data("spec", [_detail(loc, message)])


def _detail(loc: tuple[Any, ...], message: str) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("vtopo", message), loc=loc, input=None)
