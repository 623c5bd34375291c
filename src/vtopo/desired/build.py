"""Desired state: the catalog objects a topology asks for, per database."""

from __future__ import annotations


from vtopo.catalog.columns import BUCKET_COLUMN, view_columns
from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.catalog.names import VECS_SCHEMA, VTOPO_SCHEMA, gin_index_name, metadata_index_name, opclass, vector_index_name
from vtopo import kinds
from vtopo.spec.models import CollectionSpec, IndexMethod, Topology
from vtopo.shards.state import ShardState
from vtopo.spec.names import server_name, shard_table_name, split_qualified
from vtopo.spec.resolve import FdwTarget, reader_role as resolved_reader_role

from .settings import reader_settings

K = ObjectKind


def _index_params(spec: CollectionSpec) -> dict[str, int]:
    if spec.index.method is IndexMethod.hnsw:
        return {"m": spec.index.effective_m, "ef_construction": spec.index.effective_ef_construction}
    return {"lists": spec.index.effective_lists}


def _add_collection(catalog: Catalog, database: str, name: str, spec: CollectionSpec) -> None:
    catalog.add(kinds.collection.new(database, name, dimension=spec.dimension, vector_type=spec.type.value))
    if spec.index.method is not IndexMethod.none:
        ops = opclass(spec.type.value, spec.measure.value)
        params = _index_params(spec)
        catalog.add(
            kinds.vector_index.new(
                database,
                name,
                method=spec.index.method.value,
                opclass=ops,
                params=params,
                index_name=vector_index_name(name, ops, spec.index.method.value, params),
                build=spec.index.build.settings() if spec.index.build else None,
            )
        )
    # The GIN index on metadata the Vecs client creates with every collection (for @> filters).
    if spec.gin_index:
        catalog.add(
            kinds.metadata_index.new(database, name, "*", field_type="gin", index_name=gin_index_name(name))
        )
    for field_name, field_spec in spec.metadata.items():
        if field_spec.index:
            catalog.add(
                kinds.metadata_index.new(
                    database,
                    name,
                    field_name,
                    field_type=field_spec.type.value,
                    index_name=metadata_index_name(name, field_name),
                )
            )


def reader_role(topology: Topology, secondary: str, target: FdwTarget | None) -> tuple[str, dict[str, object]]:
    """The reader role's name and owner: fdw.user, else a name unique per (topology, database).

    Roles are shared by every database of a server, so the owner (topology name, the
    secondary's PostgreSQL database) goes into the role's mark and its settings are set in
    that database only. Offline (no target) the database name is fdw.dbname, if given.
    """
    fdw = topology.databases[secondary].fdw
    dbname = target.dbname if target is not None else (fdw.dbname if fdw is not None else None)
    explicit = fdw.user if fdw is not None else None
    owner = {"topology": topology.name, "database_name": dbname, "default_name": not explicit}
    return resolved_reader_role(topology, secondary, dbname), owner


def _fields(spec: CollectionSpec) -> dict[str, str]:
    return {name: field_spec.type.value for name, field_spec in spec.metadata.items()}


def build_desired(topology: Topology, fdw_targets: dict[str, FdwTarget] | None = None,
                  shard_states: dict[str, ShardState] | None = None) -> Catalog:
    """All objects the topology asks for. fdw_targets (resolved connection facts and
    passwords per secondary) may be None offline; servers then carry no host/port.
    shard_states: where each sharded collection's buckets are now (default: where its shards
    place them). A plan never moves buckets itself: a rebalance does (shards/rebalance.py), so
    the view and function keep the state in effect, and a shard keeps its part while it owns
    or still holds buckets."""
    catalog = Catalog()
    primary = topology.primary_name
    fdw_targets = fdw_targets or {}
    states = {name: (shard_states or {}).get(name) or ShardState.placed(spec.shards)
              for name, spec in topology.collections.items() if spec.sharded}
    homes = {name: states[name].holding(spec.shards) if spec.sharded else spec.databases
             for name, spec in topology.collections.items()}
    holding = {database for databases in homes.values() for database in databases}

    for database in topology.databases:
        if database in holding:
            catalog.add(kinds.extension.new(database, "vector"))
            catalog.add(kinds.schema.new(database, VECS_SCHEMA))
    if not catalog.get(key_of(primary, K.extension, "vector")):
        catalog.add(kinds.extension.new(primary, "vector"))

    for name, spec in topology.collections.items():
        for database in homes[name]:
            _add_collection(catalog, database, name, spec)
            if spec.prewarm and spec.index.method.value != "none" and not catalog.get(key_of(database, K.extension, "pg_prewarm")):
                catalog.add(kinds.extension.new(database, "pg_prewarm"))

    exposed_remote = {n: s for n, s in topology.collections.items() if s.expose and s.database != primary}
    if exposed_remote:
        catalog.add(kinds.extension.new(primary, "postgres_fdw"))
        catalog.add(kinds.schema.new(primary, VTOPO_SCHEMA))

    grantees: set[str] = set()
    for name, spec in topology.collections.items():
        if spec.expose is None:
            continue
        fields = _fields(spec)
        columns = view_columns(spec.type.value, spec.dimension, fields)
        view_key = key_of(primary, K.exposed_view, spec.expose.view)
        shards = None
        if spec.database == primary:
            source = [VECS_SCHEMA, name]
            readable = [(key_of(primary, K.schema, VECS_SCHEMA), [VECS_SCHEMA], "USAGE"),
                        (key_of(primary, K.collection, name), source, "SELECT")]
        elif spec.sharded:
            shards = _add_shard_wiring(catalog, topology, name, spec, columns, fields, fdw_targets, states[name])
            source = [VTOPO_SCHEMA, shards[0]["table"]]
            readable = [(key_of(primary, K.schema, VTOPO_SCHEMA), [VTOPO_SCHEMA], "USAGE")]
            readable += [(key_of(primary, K.foreign_table, shard["table"]), [VTOPO_SCHEMA, shard["table"]], "SELECT") for shard in shards]
        else:
            source = [VTOPO_SCHEMA, name]
            _add_remote_wiring(catalog, topology, name, spec, columns, fields, fdw_targets.get(spec.database))
            readable = [(key_of(primary, K.schema, VTOPO_SCHEMA), [VTOPO_SCHEMA], "USAGE"),
                        (key_of(primary, K.foreign_table, name), source, "SELECT")]
        catalog.add(kinds.exposed_view.new(primary, spec.expose.view, collection_name=name, source=source, columns=columns,
                                           fields=fields, shards=shards))
        # security_invoker views check the caller's rights on what they read, too.
        readable.append((view_key, list(split_qualified(spec.expose.view)), "SELECT"))
        schemas = [split_qualified(spec.expose.view)[0]]
        function_name = spec.expose.function_name
        if function_name is not None:
            catalog.add(kinds.search_function.new(
                primary, function_name, collection_name=name, view=spec.expose.view,
                server=None if spec.database == primary or shards else server_name(spec.database), source=source,
                vector_type=spec.type.value, dimension=spec.dimension, measure=spec.measure.value,
                columns=columns, fields=fields, grant=spec.expose.grant,
                shards=None if shards is None else [{"server": server_name(shard["shard"]), "buckets": shard["buckets"],
                                                     "filtered": shard["filtered"]} for shard in shards if shard["buckets"]],
            ))
            schemas.append(split_qualified(function_name)[0])
        for schema_name in dict.fromkeys(schemas):
            if schema_name != "public":
                # vtopo creates the schema (never drops it) and lets the grantees use it.
                if catalog.get(key_of(primary, K.schema, schema_name)) is None:
                    catalog.add(kinds.schema.new(primary, schema_name))
                readable.append((key_of(primary, K.schema, schema_name), [schema_name], "USAGE"))
        for role_name in spec.expose.grant:
            grantees.add(role_name)
            for on, target, privilege in readable:
                grant_obj = kinds.grant.new(primary, privilege, on, target=target, role_name=role_name)
                if catalog.get(grant_obj.key) is None:
                    catalog.add(grant_obj)
    for role_name in sorted(grantees):
        catalog.add(kinds.role.new(primary, role_name, login=None, purpose="grantee"))
    return catalog


def _add_shard_wiring(
    catalog: Catalog,
    topology: Topology,
    name: str,
    spec: CollectionSpec,
    columns: list[list[str]],
    fields: dict[str, str],
    fdw_targets: dict[str, FdwTarget],
    state: ShardState,
) -> list[dict]:
    """Each shard wired like a secondary, its exposure view with the rows' bucket; returns
    [{shard, table, buckets[, draining]}]: the primary's foreign table over each shard and
    the buckets the primary reads there (the state in effect)."""
    entries = state.entries(spec.shards, lambda shard: shard_table_name(name, shard))
    for entry in entries:
        _add_remote_wiring(catalog, topology, name, spec, [*columns, BUCKET_COLUMN], fields, fdw_targets.get(entry["shard"]),
                           secondary=entry["shard"], foreign_table=entry["table"])
        writable, frozen = state.guard(entry["shard"])
        catalog.add(kinds.shard_guard.new(entry["shard"], name, writable=writable, frozen=frozen))
    return entries


def _add_remote_wiring(
    catalog: Catalog,
    topology: Topology,
    name: str,
    spec: CollectionSpec,
    columns: list[list[str]],
    fields: dict[str, str],
    target: FdwTarget | None,
    *,
    secondary: str | None = None,
    foreign_table: str | None = None,
) -> None:
    """Exposure view + reader role on the secondary; server, mapping, foreign table on the primary."""
    primary, secondary = topology.primary_name, secondary or spec.database
    foreign_table = foreign_table or name
    role_name, owner = reader_role(topology, secondary, target)
    if catalog.get(key_of(secondary, K.schema, VTOPO_SCHEMA)) is None:
        catalog.add(kinds.schema.new(secondary, VTOPO_SCHEMA))
        limits = topology.databases[secondary].reader
        catalog.add(kinds.role.new(secondary, role_name, login=True, purpose="reader", password=target.password if target else None,
                                   owner=owner, connection_limit=limits.connection_limit if limits else None))
        catalog.add(kinds.grant.new(secondary, "USAGE", key_of(secondary, K.schema, VTOPO_SCHEMA), target=[VTOPO_SCHEMA], role_name=role_name))
        server = server_name(secondary)
        fdw = topology.databases[secondary].fdw
        options = {"extensions": "vector"}
        if target is not None:
            options.update(target.server_options())
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
        catalog.add(kinds.foreign_server.new(primary, server, remote_database=secondary, options=options))
        catalog.add(kinds.user_mapping.new(primary, server, user=role_name, password=target.password if target else None))
        for setting, value in reader_settings(topology, secondary).items():
            catalog.add(kinds.role_setting.new(secondary, role_name, setting, value, database_name=owner["database_name"]))
    view = catalog.add(kinds.exposure_view.new(secondary, name, columns=columns, fields=fields))
    catalog.add(kinds.grant.new(secondary, "SELECT", view.key, target=[VTOPO_SCHEMA, name], role_name=role_name))
    catalog.add(
        kinds.foreign_table.new(
            primary,
            foreign_table,
            server=server_name(secondary),
            columns=columns,
            options={"schema_name": VTOPO_SCHEMA, "table_name": name, "updatable": "false"},
        )
    )
