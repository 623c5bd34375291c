"""Representative catalog objects of every kind, for rendering tests.

Built with the catalog constructors, under invented names: a secondary "reef"
holding collection "corals", reached from the primary "core".
"""

from __future__ import annotations

from vtopo import kinds
from vtopo.catalog.columns import view_columns
from vtopo.catalog.model import ObjectKind, key_of
from vtopo.catalog.names import gin_index_name, metadata_index_name, vector_index_name
from vtopo.spec.models import MetadataType
from vtopo.spec.secrets import Sensitive

K = ObjectKind
CORE, REEF = "core", "reef"
READER = "reef_reader"
SERVER = "vtopo_reef"
# Quote and semicolon: must be escaped when revealed, and never shown.
READER_PASSWORD = "kelp'; DROP ROLE core; --"
FIELDS = {field_type.value: field_type.value for field_type in MetadataType}  # one promoted field per type
FIELDS["o_brien"] = "text"
COLUMNS = view_columns("halfvec", 384, FIELDS)
HNSW_PARAMS = {"m": 16, "ef_construction": 64}

extension = kinds.extension.new(REEF, "vector")
schema = kinds.schema.new(REEF, "vecs")
reader_role = kinds.role.new(
    REEF, READER, login=True, purpose="reader", password=Sensitive(READER_PASSWORD),
    owner={"topology": "tides", "database_name": "reefdb", "default_name": False},
)
grantee_role = kinds.role.new(CORE, "marine_app", login=None, purpose="grantee")
role_setting = kinds.role_setting.new(REEF, READER, "hnsw.ef_search", "80", database_name="reefdb")
# set for every database by an earlier vtopo: reset on adoption
global_role_setting = kinds.role_setting.new(REEF, READER, "hnsw.ef_search", "40", database_name="reefdb", scope="global")
collection = kinds.collection.new(REEF, "corals", dimension=384, vector_type="halfvec")
hnsw_index = kinds.vector_index.new(
    REEF, "corals", method="hnsw", opclass="halfvec_cosine_ops", params=HNSW_PARAMS,
    index_name=vector_index_name("corals", "halfvec_cosine_ops", "hnsw", HNSW_PARAMS),
)
ivfflat_index = kinds.vector_index.new(
    REEF, "shells", method="ivfflat", opclass="vector_l2_ops", params={"lists": 100},
    index_name=vector_index_name("shells", "vector_l2_ops", "ivfflat", {"lists": 100}),
)
gin_index = kinds.metadata_index.new(REEF, "corals", "*", field_type="gin", index_name=gin_index_name("corals"))
field_indexes = {
    field: kinds.metadata_index.new(REEF, "corals", field, field_type=field_type, index_name=metadata_index_name("corals", field))
    for field, field_type in FIELDS.items()
}
exposure_view = kinds.exposure_view.new(REEF, "corals", columns=COLUMNS, fields=FIELDS)
foreign_server = kinds.foreign_server.new(
    CORE, SERVER, remote_database=REEF,
    options={"extensions": "vector", "host": "reef.internal", "port": "6543", "dbname": "reefdb", "fetch_size": "100",
             "use_remote_estimate": "false"},
)
user_mapping = kinds.user_mapping.new(CORE, SERVER, user=READER, password=Sensitive(READER_PASSWORD))
foreign_table = kinds.foreign_table.new(
    CORE, "corals", server=SERVER, columns=COLUMNS, options={"schema_name": "vtopo", "table_name": "corals", "updatable": "false"},
)
remote_exposed_view = kinds.exposed_view.new(CORE, "public.corals", collection_name="corals", source=["vtopo", "corals"], columns=COLUMNS, fields=FIELDS)
local_exposed_view = kinds.exposed_view.new(
    CORE, "api.tides", collection_name="tides", source=["vecs", "tides"],
    columns=view_columns("vector", 2, {"station": "text"}), fields={"station": "text"},
)
remote_search_function = kinds.search_function.new(
    CORE, "public.match_corals", collection_name="corals", view="public.corals", server=SERVER, source=["vtopo", "corals"],
    vector_type="halfvec", dimension=384, measure="cosine", columns=COLUMNS, fields=FIELDS, grant=["marine_app", "diver"],
)
local_search_function = kinds.search_function.new(
    CORE, "api.find_tides", collection_name="tides", view="api.tides", server=None, source=["vecs", "tides"],
    vector_type="vector", dimension=2, measure="inner_product", columns=view_columns("vector", 2, {"station": "text"}),
    fields={"station": "text"}, grant=[],
)
SHARDS = [{"shard": "reef_a", "table": "corals__reef_a", "buckets": [0, 1, 2, 5], "filtered": False},
          {"shard": "reef_b", "table": "corals__reef_b", "buckets": [3, 4], "draining": [5], "filtered": True},
          {"shard": "reef_c", "table": "corals__reef_c", "buckets": [], "receiving": [6], "filtered": True}]
sharded_exposed_view = kinds.exposed_view.new(CORE, "public.corals", collection_name="corals", source=["vtopo", "corals__reef_a"],
                                              columns=COLUMNS, fields=FIELDS, shards=SHARDS)
sharded_search_function = kinds.search_function.new(
    CORE, "public.match_corals", collection_name="corals", view="public.corals", server=None, source=["vtopo", "corals__reef_a"],
    vector_type="halfvec", dimension=384, measure="l2", columns=COLUMNS, fields=FIELDS, grant=["marine_app"],
    shards=[{"server": "vtopo_reef_a", "buckets": [0, 1, 2, 5], "filtered": False},
            {"server": "vtopo_reef_b", "buckets": [3, 4], "filtered": True}],
)
schema_grant = kinds.grant.new(CORE, "USAGE", key_of(CORE, K.schema, "vtopo"), target=["vtopo"], role_name="marine_app")
table_grant = kinds.grant.new(CORE, "SELECT", remote_exposed_view.key, target=["public", "corals"], role_name="marine_app")
