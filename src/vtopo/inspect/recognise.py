"""Live catalog objects → the topology file that asks for exactly them. Pure.

What maps back: Vecs collections (dimension, type), their vector index (method,
measure from the operator class, parameters), promoted metadata fields (from
vtopo's field indexes and exposure views), exposures vtopo made (view, grants),
the postgres_fdw wiring (server options, reader role) and the reader role's
search settings. What cannot be said in a topology file becomes a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vtopo.desired.settings import DEFAULT_PROBES, ITERATIVE_DEFAULTS
from vtopo.diagnostics import Diagnostic, warning
from vtopo.catalog.model import Catalog, CatalogObject, ObjectKind
from vtopo.catalog.names import VECS_SCHEMA, measure_of
from vtopo.kinds.role_setting import DATABASE
from vtopo.spec.names import owned_reader_role_name, reader_role_name, server_name
from vtopo.spec.models import ExposeSpec, IndexSpec, ServerOptions
from vtopo.spec.reads import REPLICA_OPTIONS
from vtopo.spec.resolve import dsn_defaults
from vtopo.spec.secrets import find_references

from .sources import Source, Sources, env_variable

K = ObjectKind
# Reader role settings that are the pod's own limits (databases.<name>.reader), not search knobs.
READER_LIMITS = ("statement_timeout", "idle_in_transaction_session_timeout", "work_mem")
# reader-role setting -> (index method it belongs to, key of the collection's search block)
SEARCH_SETTINGS = {
    "hnsw.ef_search": ("hnsw", "ef_search"),
    "hnsw.max_scan_tuples": ("hnsw", "max_scan_tuples"),
    "hnsw.iterative_scan": ("hnsw", "iterative_scan"),
    "ivfflat.probes": ("ivfflat", "probes"),
    "ivfflat.max_probes": ("ivfflat", "max_probes"),
    "ivfflat.iterative_scan": ("ivfflat", "iterative_scan"),
}
SERVER_DEFAULTS = {name: info.default for name, info in ServerOptions.model_fields.items()}


@dataclass
class Recognised:
    data: dict[str, Any]  # the topology file as plain data
    warnings: list[Diagnostic] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)  # ${env:...} names the user must set

    def warn(self, message: str) -> None:
        """What cannot be said in a topology file (plan on the written file would change it)."""
        self.warnings.append(warning(message))


def guess_primary(live: Catalog, sources: Sources) -> str:
    """The database holding vtopo's foreign servers or exposed views; else the first one."""
    names = [source.name for source in sources.databases]
    for obj in live:
        if obj.managed and obj.kind in (K.foreign_server, K.exposed_view) and obj.database in names:
            return obj.database
    return names[0]


def recognise(live: Catalog, sources: Sources) -> Recognised:
    result = Recognised(data={"version": 1})
    if sources.name:
        result.data["name"] = sources.name
    primary = sources.primary
    collections = _collections(live, result, _sharded(live, primary))
    _exposures(live, primary, collections, result)
    result.data["databases"] = {source.name: _database(source, live, primary, collections, result) for source in sources.databases}
    _search_settings(live, sources, collections, result)
    result.data["collections"] = {name: spec for name, spec in sorted(collections.items(), key=_by_database(sources))}
    for entry in result.data["databases"].values():
        for text in (entry["dsn"], entry.get("fdw", {}).get("password") or ""):
            result.variables += [name for kind, name in find_references(text) if kind == "env" and name not in result.variables]
    return result


def _by_database(sources: Sources):
    order = {source.name: position for position, source in enumerate(sources.databases)}
    return lambda item: (order.get(_home(item[1]), 99), item[0])


def _home(entry: dict[str, Any]) -> str:
    """The database a recognised collection is read from: its database, or its first shard."""
    return entry.get("database") or entry["shards"][0]


# -- collections ------------------------------------------------------------------------


def _sharded(live: Catalog, primary: str) -> dict[str, list[str]]:
    """collection -> its shards, from the bucket map in the marker of the primary's view."""
    found = {}
    for obj in live.in_database(primary):
        if obj.kind is K.exposed_view and obj.managed and obj.spec_dict.get("shards"):
            found[obj.spec_dict["collection"]] = [e["shard"] for e in obj.spec_dict["shards"] if e.get("buckets")]
    return found


def _collections(live: Catalog, result: Recognised, sharded: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    collections: dict[str, dict[str, Any]] = {}
    for obj in sorted(live, key=lambda o: (o.database, o.name)):
        if obj.kind is not K.collection:
            continue
        shards = sharded.get(obj.name)
        if shards and obj.database in shards:
            if obj.name in collections or obj.database != shards[0]:
                continue  # one entry for all its shards, read from the first
        elif obj.name in collections:
            result.warn(
                f"collection {obj.name} exists in {collections[obj.name]['database']} and {obj.database}: a topology names "
                f"each collection once, so the one in {obj.database} is left out (plan would drop it)"
            )
            continue
        spec = obj.spec_dict
        home = {"shards": shards} if shards and obj.database in shards else {"database": obj.database}
        entry: dict[str, Any] = {**home, "dimension": spec["dimension"]}
        if spec["type"] != "vector":
            entry["type"] = spec["type"]
        entry.update(_index(live, obj, spec["type"], result))
        if live.get((obj.database, K.metadata_index, f"{obj.name}.*")) is None:
            entry["gin_index"] = False  # Vecs 0.4.5 never commits the one it means to make
        collections[obj.name] = entry
    for obj in live:
        if obj.kind is K.metadata_index and obj.spec_dict["field"] != "*":
            entry = collections.get(obj.spec_dict["collection"])
            if entry is not None and _home(entry) == obj.database:
                fields = entry.setdefault("metadata", {})
                fields[obj.spec_dict["field"]] = {"type": obj.spec_dict["type"], "index": True}
    return collections


def _index(live: Catalog, collection: CatalogObject, vector_type: str, result: Recognised) -> dict[str, Any]:
    extra = [o for o in live.in_database(collection.database) if o.kind is K.vector_index and o.name.startswith(f"{collection.name}#")]
    for obj in extra:
        result.warn(
            f"collection {collection.name}: a second vector index {obj.attrs_dict.get('index_name')} "
            "(vtopo keeps one per collection; plan would drop it)"
        )
    index = live.get((collection.database, K.vector_index, collection.name))
    if index is None:
        return {"index": {"method": "none"}}
    spec = index.spec_dict
    measure = measure_of(spec["opclass"])
    if measure is None or spec["opclass"].partition("_")[0] != vector_type:
        result.warn(
            f"collection {collection.name}: index operator class {spec['opclass']} has no vtopo measure "
            "(cosine, l2, inner_product); written as cosine, so plan would rebuild the index"
        )
        measure = "cosine"
    if not spec.get("valid", True):
        result.warn(f"collection {collection.name}: its vector index is invalid (a failed build); plan rebuilds it")
    params = {key: value for key, value in spec["params"].items() if key in IndexSpec.model_fields}
    return {"measure": measure, "index": {"method": spec["method"], **params}}


# -- exposures and wiring -----------------------------------------------------------------


def _exposures(live: Catalog, primary: str, collections: dict[str, dict[str, Any]], result: Recognised) -> None:
    grants: dict[str, list[str]] = {}
    for obj in live.in_database(primary):
        spec = obj.spec_dict
        if obj.kind is K.grant and spec["on_kind"] == K.exposed_view.value and spec["privilege"] == "SELECT":
            grants.setdefault(spec["on_name"], []).append(spec["role"])
    # The search function vtopo made beside each view (by the view it accompanies).
    functions = {obj.spec_dict["view"]: obj.name for obj in live.in_database(primary) if obj.kind is K.search_function and obj.managed}
    for obj in sorted(live.in_database(primary), key=lambda o: o.name):
        if obj.kind is not K.exposed_view or not obj.managed:
            continue
        spec = obj.spec_dict
        entry = collections.get(spec["collection"])
        if entry is None:
            result.warn(f"view {obj.name} exposes collection {spec['collection']!r}, which no database holds; left out")
            continue
        if "expose" in entry:
            result.warn(f"collection {spec['collection']}: also exposed as {obj.name}; vtopo keeps one view (left out)")
            continue
        on_primary = spec.get("source", [None])[0] == VECS_SCHEMA
        if on_primary != (entry.get("database") == primary):
            result.warn(f"view {obj.name} reads {'.'.join(spec.get('source', []))}, not where {spec['collection']} lives; plan would replace it")
        expose: dict[str, Any] = {"view": obj.name}
        if grants.get(obj.name):
            expose["grant"] = sorted(grants[obj.name])
        function = functions.get(obj.name)
        default = ExposeSpec(view=obj.name).function_name
        if function != default:
            expose["function"] = function or False  # a view without its search function says so
        entry["expose"] = expose
        _add_fields(entry, spec)
    for obj in live:
        if obj.kind is K.exposure_view and obj.database != primary:
            entry = collections.get(obj.name)
            if entry is not None and _home(entry) == obj.database:
                _add_fields(entry, obj.spec_dict)
                if "expose" not in entry:
                    result.warn(
                        f"collection {obj.name}: {obj.database} has its exposure view but the primary has no view "
                        "for it; left unexposed (plan would drop the exposure view)"
                    )


def _add_fields(entry: dict[str, Any], view_spec: dict[str, Any]) -> None:
    """Promoted fields in the view's column order (the order is part of the views; `fields`,
    a JSON object in the spec, has lost it)."""
    fields = view_spec.get("fields", {})
    names = [column[0] for column in view_spec.get("columns", [])[3:] if column[0] in fields]
    if not names:
        return
    known = entry.get("metadata", {})
    ordered = {name: known.get(name, {"type": fields[name]}) for name in names}
    ordered.update({name: spec for name, spec in known.items() if name not in ordered})
    entry["metadata"] = ordered


def _database(source: Source, live: Catalog, primary: str, collections: dict[str, dict[str, Any]], result: Recognised) -> dict[str, Any]:
    entry: dict[str, Any] = {"primary": True} if source.name == primary else {}
    entry["dsn"] = source.dsn_text
    if source.name == primary:
        return entry
    fdw = dict(source.fdw)
    server = live.get((primary, K.foreign_server, server_name(source.name)))
    exposed = any(source.name in (c.get("shards") or [c.get("database")]) and "expose" in c for c in collections.values())
    if server is not None:
        # The live server says where it points and how: only the password reference is the file's.
        fdw = {key: value for key, value in fdw.items() if key == "password"}
        fdw.update(_server_facts(source, server, live, primary, result))
    if exposed and not fdw.get("password"):
        variable = env_variable(source.name, "FDW_PASSWORD")
        fdw["password"] = f"${{env:{variable}}}"
    if fdw:
        entry["fdw"] = fdw
    entry.update(source.replicas)
    return entry


def _server_facts(source: Source, server: CatalogObject, live: Catalog, primary: str, result: Recognised) -> dict[str, Any]:
    """fdw keys that make the desired server equal the live one (defaults left out)."""
    options = dict(server.spec_dict["options"])
    defaults = dsn_defaults(source.connection_facts())
    dbname = options.get("dbname") or defaults["dbname"]
    facts: dict[str, Any] = {}
    if source.replicas.get("replicas"):
        # Host lists name the replicas too (spec/reads.py): the file's own host and port stand.
        for key in ("host", "port", *REPLICA_OPTIONS):
            options.pop(key, None)
        facts.update({key: source.fdw[key] for key in ("host", "port") if key in source.fdw})
    for key in ("host", "port", "dbname"):
        value = options.pop(key, None)
        if value is not None and value != defaults[key]:
            facts[key] = int(value) if key == "port" and value.isdigit() else value
    options.pop("extensions", None)
    if "sslmode" in options:
        facts["sslmode"] = options.pop("sslmode")
    tuned: dict[str, Any] = {}
    for key, text in list(options.items()):
        if key not in SERVER_DEFAULTS:
            continue
        options.pop(key)
        value = _option_value(key, text)
        if value != SERVER_DEFAULTS[key]:
            tuned[key] = value
    if tuned:
        facts["options"] = tuned
    for key in options:
        result.warn(f"server {server.name}: option {key} has no topology key; plan would remove it")
    user = _mapped_user(live, primary, source.name)
    if user and user not in _default_reader_names(source.name, dbname):
        facts["user"] = user
    return facts


def _default_reader_names(database: str, dbname: str) -> set[str]:
    """Reader role names a file need not write: today's default, and the name an earlier
    vtopo gave (plan adopts that role under its name)."""
    return {owned_reader_role_name(database, dbname), reader_role_name(database)}


def _mapped_user(live: Catalog, primary: str, database: str) -> str | None:
    """The role the primary logs in as on `database`: its user mapping's user."""
    mapping = live.get((primary, K.user_mapping, f"{server_name(database)}:public"))
    return mapping.spec_dict.get("user") if mapping is not None else None


def _option_value(key: str, text: str) -> Any:
    default = SERVER_DEFAULTS[key]
    if isinstance(default, bool):
        return text.lower() == "true"
    if key == "fetch_size":
        return int(text)
    return float(text)


# -- search settings ------------------------------------------------------------------------


def _search_settings(live: Catalog, sources: Sources, collections: dict[str, dict[str, Any]], result: Recognised) -> None:
    """The reader role's settings go to the search block of every exposed collection they fit."""
    databases = result.data["databases"]
    for source in sources.databases:
        if source.primary:
            continue
        # The role the primary logs in as; without wiring, the file's fdw.user, else any reader
        # role of this database (introspection reads no other database's).
        role = _mapped_user(live, sources.primary, source.name) or databases[source.name].get("fdw", {}).get("user")
        exposed = {name: c for name, c in collections.items() if source.name in (c.get("shards") or [c.get("database")]) and "expose" in c}
        limits = _reader_limits(live, source.name, role)
        for setting, value in _effective_settings(live, source.name, role).items():
            if setting in READER_LIMITS:
                limits[setting] = value
                continue
            if setting not in SEARCH_SETTINGS:
                continue
            method, key = SEARCH_SETTINGS[setting]
            fitting = {name: c for name, c in exposed.items() if c["index"]["method"] == method}
            if key == "iterative_scan" and _is_default(value, method, fitting):
                continue  # what vtopo sets anyway for exposed collections with fields
            if setting == "ivfflat.probes" and value == DEFAULT_PROBES and fitting:
                continue  # what vtopo sets anyway for exposed IVFFlat collections
            if not fitting or (method == "ivfflat" and value == "strict_order"):
                result.warn(f"{source.name}: reader role setting {setting}={value} fits no exposed collection; plan would remove it")
                continue
            for entry in fitting.values():
                entry.setdefault("search", {})[key] = value if key == "iterative_scan" else int(value)
        if limits:
            databases[source.name]["reader"] = limits


def _reader_limits(live: Catalog, database: str, role: str | None) -> dict[str, Any]:
    """The reader role's connection limit, if it has one (its limit settings join it)."""
    for obj in live.in_database(database):
        if obj.kind is K.role and obj.name == role and obj.spec_dict.get("connection_limit", -1) >= 1:
            return {"connection_limit": obj.spec_dict["connection_limit"]}
    return {}


def _effective_settings(live: Catalog, database: str, role: str | None) -> dict[str, str]:
    """What `role` runs with in `database`: its settings for that database, over any an
    earlier vtopo set for every database (plan moves those to the database)."""
    found: dict[str, str] = {}
    settings = [o.spec_dict for o in live.in_database(database) if o.kind is K.role_setting and role in (None, o.spec_dict["role"])]
    for spec in sorted(settings, key=lambda spec: spec.get("scope") == DATABASE):
        found[spec["setting"]] = spec["value"]
    return found


def _is_default(value: str, method: str, fitting: dict[str, dict[str, Any]]) -> bool:
    return value == ITERATIVE_DEFAULTS.get(method) and any(c.get("metadata") for c in fitting.values())
