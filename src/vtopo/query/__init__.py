"""Querying and writing collections: the Vecs filter language, search, the Python API.

    import vtopo
    docs = vtopo.connect("topology.yaml").collection("docs")
    docs.query([0.1, ...], limit=5, filters={"year": {"$gte": 2020}}, include_value=True)
"""

from .client import Client, Collection, connect
from .errors import FilterError, FilterFieldWarning, QueryError
from .filters import parse_filter

__all__ = ["Client", "Collection", "FilterError", "FilterFieldWarning", "QueryError", "connect", "parse_filter"]
