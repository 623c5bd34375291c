"""Representative catalog objects of every kind, for rendering tests.

Built with the catalog constructors, under invented names: a secondary "reef"
holding collection "corals", reached from the primary "core".
"""

from __future__ import annotations

from vtopo.catalog import objects as o
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
COLUMNS = o.view_columns("halfvec", 384, FIELDS)
HNSW_PARAMS = {"m": 16, "ef_construction": 64}

extension = o.extension(REEF, "vector")
schema = o.schema(REEF, "vecs")
reader_role = o.role(REEF, READER, login=True, purpose="reader", password=Sensitive(READER_PASSWORD))
grantee_role = o.role(CORE, "marine_app", login=None, purpose="grantee")
role_setting = o.role_setting(REEF, READER, "hnsw.ef_search", "80")
collection = o.collection(REEF, "corals", dimension=384, vector_type="halfvec")
hnsw_index = o.vector_index(
    REEF, "corals", method="hnsw", opclass="halfvec_cosine_ops", params=HNSW_PARAMS,
    index_name=vector_index_name("corals", "halfvec_cosine_ops", "hnsw", HNSW_PARAMS),
)
ivfflat_index = o.vector_index(
    REEF, "shells", method="ivfflat", opclass="vector_l2_ops", params={"lists": 100},
    index_name=vector_index_name("shells", "vector_l2_ops", "ivfflat", {"lists": 100}),
)
gin_index = o.metadata_index(REEF, "corals", "*", field_type="gin", index_name=gin_index_name("corals"))
field_indexes = {
    field: o.metadata_index(REEF, "corals", field, field_type=field_type, index_name=metadata_index_name("corals", field))
    for field, field_type in FIELDS.items()
}
exposure_view = o.exposure_view(REEF, "corals", columns=COLUMNS, fields=FIELDS)
foreign_server = o.foreign_server(
    CORE, SERVER, remote_database=REEF,
    options={"extensions": "vector", "host": "reef.internal", "port": "6543", "dbname": "reefdb", "fetch_size": "100",
             "use_remote_estimate": "false"},
)
user_mapping = o.user_mapping(CORE, SERVER, user=READER, password=Sensitive(READER_PASSWORD))
foreign_table = o.foreign_table(
    CORE, "corals", server=SERVER, columns=COLUMNS, options={"schema_name": "vtopo", "table_name": "corals", "updatable": "false"},
)
remote_exposed_view = o.exposed_view(CORE, "public.corals", collection_name="corals", source=["vtopo", "corals"], columns=COLUMNS, fields=FIELDS)
local_exposed_view = o.exposed_view(
    CORE, "api.tides", collection_name="tides", source=["vecs", "tides"],
    columns=o.view_columns("vector", 2, {"station": "text"}), fields={"station": "text"},
)
schema_grant = o.grant(CORE, "USAGE", key_of(CORE, K.schema, "vtopo"), target=["vtopo"], role_name="marine_app")
table_grant = o.grant(CORE, "SELECT", remote_exposed_view.key, target=["public", "corals"], role_name="marine_app")
