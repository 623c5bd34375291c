"""Desired state: the catalog objects a topology asks for, per database."""

from __future__ import annotations

from dataclasses import dataclass, field

from vtopo.spec.models import CollectionSpec, IndexMethod, Topology
from vtopo.spec.names import split_qualified
from vtopo.spec.secrets import Sensitive

from . import objects as o
from .model import Catalog, ObjectKind, key_of
from .names import VECS_SCHEMA, VTOPO_SCHEMA, opclass, reader_role_name, server_name, vector_index_name, metadata_index_name, gin_index_name

K = ObjectKind


@dataclass(frozen=True)
class FdwTarget:
    """Where the primary's foreign server points (resolved from fdw + dsn)."""

    host: str
    port: str
    dbname: str
    user: str
    password: Sensitive | None = field(default=None, compare=False)


def reader_role(topology: Topology, database: str) -> str:
    fdw = topology.databases[database].fdw
    return fdw.user if fdw is not None and fdw.user else reader_role_name(database)


def search_settings(spec: CollectionSpec) -> dict[str, str]:
    """GUCs for the reader role, from the collection's search block."""
    search = spec.search
    if search is None:
        return {}
    method = spec.index.method.value
    prefix = "hnsw" if method == "hnsw" else "ivfflat"
    values = {
        "hnsw.ef_search": search.ef_search,
        "hnsw.max_scan_tuples": search.max_scan_tuples,
        "ivfflat.probes": search.probes,
        "ivfflat.max_probes": search.max_probes,
        f"{prefix}.iterative_scan": search.iterative_scan.value if search.iterative_scan else None,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


# Filtered search behind the FDW: an index scan yields at most ef_search (or the probed
# lists') candidates before the filter, so a selective filter would return fewer than k rows.
# Iterative scans keep going; strict_order because the primary trusts the remote order.
ITERATIVE_DEFAULTS = {"hnsw": "strict_order", "ivfflat": "relaxed_order"}


def reader_settings(topology: Topology, secondary: str) -> dict[str, str]:
    """The reader role's settings: explicit `search:` values of the exposed collections first
    (validation makes them agree), then iterative scan for collections with filterable fields."""
    exposed = [spec for spec in topology.collections_in(secondary).values() if spec.expose is not None]
    if not exposed:
        return {}
    # postgres_fdw reads through a cursor, which PostgreSQL plans for fast first rows
    # (cursor_tuple_fraction 0.1): a filtered top-k then took an approximate plan that a
    # direct query does not. The FDW reads every row it asks for (LIMIT is shipped).
    settings: dict[str, str] = {"cursor_tuple_fraction": "1"}
    for spec in exposed:
        for name, value in search_settings(spec).items():
            settings.setdefault(name, value)
    explicit_iterative = {spec.index.method.value for spec in exposed if spec.search and spec.search.iterative_scan}
    for spec in exposed:
        method = spec.index.method.value
        if spec.metadata and method in ITERATIVE_DEFAULTS and method not in explicit_iterative:
            settings.setdefault(f"{method}.iterative_scan", ITERATIVE_DEFAULTS[method])
    return settings


def _index_params(spec: CollectionSpec) -> dict[str, int]:
    if spec.index.method is IndexMethod.hnsw:
        return {"m": spec.index.effective_m, "ef_construction": spec.index.effective_ef_construction}
    return {"lists": spec.index.effective_lists}


def _add_collection(catalog: Catalog, database: str, name: str, spec: CollectionSpec) -> None:
    catalog.add(o.collection(database, name, dimension=spec.dimension, vector_type=spec.type.value))
    if spec.index.method is not IndexMethod.none:
        ops = opclass(spec.type.value, spec.measure.value)
        params = _index_params(spec)
        catalog.add(
            o.vector_index(
                database,
                name,
                method=spec.index.method.value,
                opclass=ops,
                params=params,
                index_name=vector_index_name(name, ops, spec.index.method.value, params),
            )
        )
    # The GIN index on metadata the Vecs client creates with every collection (for @> filters).
    if spec.gin_index:
        catalog.add(
            o.metadata_index(database, name, "*", field_type="gin", index_name=gin_index_name(name))
        )
    for field_name, field_spec in spec.metadata.items():
        if field_spec.index:
            catalog.add(
                o.metadata_index(
                    database,
                    name,
                    field_name,
                    field_type=field_spec.type.value,
                    index_name=metadata_index_name(name, field_name),
                )
            )


def _fields(spec: CollectionSpec) -> dict[str, str]:
    return {name: field_spec.type.value for name, field_spec in spec.metadata.items()}


def build_desired(topology: Topology, fdw_targets: dict[str, FdwTarget] | None = None) -> Catalog:
    """All objects the topology asks for. fdw_targets (resolved connection facts and
    passwords per secondary) may be None offline; servers then carry no host/port."""
    catalog = Catalog()
    primary = topology.primary_name
    fdw_targets = fdw_targets or {}
    holding = {spec.database for spec in topology.collections.values()}

    for database in topology.databases:
        if database in holding:
            catalog.add(o.extension(database, "vector"))
            catalog.add(o.schema(database, VECS_SCHEMA))
    if not catalog.get(key_of(primary, K.extension, "vector")):
        catalog.add(o.extension(primary, "vector"))

    for name, spec in topology.collections.items():
        _add_collection(catalog, spec.database, name, spec)

    exposed_remote = {n: s for n, s in topology.collections.items() if s.expose and s.database != primary}
    if exposed_remote:
        catalog.add(o.extension(primary, "postgres_fdw"))
        catalog.add(o.schema(primary, VTOPO_SCHEMA))

    grantees: set[str] = set()
    for name, spec in topology.collections.items():
        if spec.expose is None:
            continue
        fields = _fields(spec)
        columns = o.view_columns(spec.type.value, spec.dimension, fields)
        view_key = key_of(primary, K.exposed_view, spec.expose.view)
        if spec.database == primary:
            source = [VECS_SCHEMA, name]
            readable = [(key_of(primary, K.schema, VECS_SCHEMA), [VECS_SCHEMA], "USAGE"),
                        (key_of(primary, K.collection, name), source, "SELECT")]
        else:
            source = [VTOPO_SCHEMA, name]
            _add_remote_wiring(catalog, topology, name, spec, columns, fields, fdw_targets.get(spec.database))
            readable = [(key_of(primary, K.schema, VTOPO_SCHEMA), [VTOPO_SCHEMA], "USAGE"),
                        (key_of(primary, K.foreign_table, name), source, "SELECT")]
        catalog.add(o.exposed_view(primary, spec.expose.view, collection_name=name, source=source, columns=columns, fields=fields))
        # security_invoker views check the caller's rights on what they read, too.
        view_schema = split_qualified(spec.expose.view)[0]
        readable.append((view_key, list(split_qualified(spec.expose.view)), "SELECT"))
        if view_schema != "public":
            # vtopo creates the view's schema (never drops it) and lets the grantees use it.
            if catalog.get(key_of(primary, K.schema, view_schema)) is None:
                catalog.add(o.schema(primary, view_schema))
            readable.append((key_of(primary, K.schema, view_schema), [view_schema], "USAGE"))
        for role_name in spec.expose.grant:
            grantees.add(role_name)
            for on, target, privilege in readable:
                grant_obj = o.grant(primary, privilege, on, target=target, role_name=role_name)
                if catalog.get(grant_obj.key) is None:
                    catalog.add(grant_obj)
    for role_name in sorted(grantees):
        catalog.add(o.role(primary, role_name, login=None, purpose="grantee"))
    return catalog


def _add_remote_wiring(
    catalog: Catalog,
    topology: Topology,
    name: str,
    spec: CollectionSpec,
    columns: list[list[str]],
    fields: dict[str, str],
    target: FdwTarget | None,
) -> None:
    """Exposure view + reader role on the secondary; server, mapping, foreign table on the primary."""
    primary, secondary = topology.primary_name, spec.database
    role_name = reader_role(topology, secondary)
    if catalog.get(key_of(secondary, K.schema, VTOPO_SCHEMA)) is None:
        catalog.add(o.schema(secondary, VTOPO_SCHEMA))
        catalog.add(o.role(secondary, role_name, login=True, purpose="reader", password=target.password if target else None))
        catalog.add(o.grant(secondary, "USAGE", key_of(secondary, K.schema, VTOPO_SCHEMA), target=[VTOPO_SCHEMA], role_name=role_name))
        server = server_name(secondary)
        fdw = topology.databases[secondary].fdw
        options = {"extensions": "vector"}
        if target is not None:
            options.update({"host": target.host, "port": target.port, "dbname": target.dbname})
        if fdw is not None:
            server_options = fdw.options
            options["fetch_size"] = str(server_options.fetch_size)
            options["async_capable"] = str(server_options.async_capable).lower()
            options["use_remote_estimate"] = str(server_options.use_remote_estimate).lower()
            for cost in ("fdw_startup_cost", "fdw_tuple_cost"):
                if getattr(server_options, cost) is not None:
                    options[cost] = str(getattr(server_options, cost))
            if fdw.sslmode:
                options["sslmode"] = fdw.sslmode
        catalog.add(o.foreign_server(primary, server, remote_database=secondary, options=options))
        catalog.add(o.user_mapping(primary, server, user=role_name, password=target.password if target else None))
        for setting, value in reader_settings(topology, secondary).items():
            catalog.add(o.role_setting(secondary, role_name, setting, value))
    view = catalog.add(o.exposure_view(secondary, name, columns=columns, fields=fields))
    catalog.add(o.grant(secondary, "SELECT", view.key, target=[VTOPO_SCHEMA, name], role_name=role_name))
    catalog.add(
        o.foreign_table(
            primary,
            name,
            server=server_name(secondary),
            columns=columns,
            options={"schema_name": VTOPO_SCHEMA, "table_name": name, "updatable": "false"},
        )
    )
