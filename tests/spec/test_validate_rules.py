"""`vtopo validate` against bad topology files: one case per rule.

Each case edits the valid ORBIT_TOPOLOGY (conftest.py) and expects exit status 1
with exactly the listed `FILE:LINE: key.path: message` problems. Line numbers
refer to ORBIT_TOPOLOGY:

     3 databases:            13   papers:              25     search:
     4   hub:                14     database: shard_a  26       ef_search: 80
     5     primary: true     15     dimension: 1536    27       iterative_scan: ...
     6     dsn: ${env:...}   16     type: vector       28     expose:
     7   shard_a:            17     measure: ...       29       view: catalog.papers
     8     dsn: host=...     18     index:             30       grant: [reader, analyst]
     9     fdw:              19       method: hnsw     31   sketches:
    10       user: ...       20       m: 24            32     database: hub
    11       password: ...   21       ef_construction  33     dimension: 3000 (halfvec, 34)
    12 collections:          22     metadata:          36-38  index: ivfflat, lists: 50
                             23       venue: {...}     39-40  search: {probes: 7}
                             24       cited: {...}     41-42  expose: {view: sketches}
"""

from __future__ import annotations

import json

import pytest

PASSWORD = "Tr0ub4dor-and-3"


# Frequent edits of ORBIT_TOPOLOGY.
SKETCHES_UNINDEXED = ("      method: ivfflat\n      lists: 50\n", "      method: none\n")  # one line fewer
SKETCHES_NO_SEARCH = ("    search:\n      probes: 7\n", "")
METADATA_TYPES = "'text', 'integer', 'bigint', 'numeric', 'boolean' or 'timestamptz'"


def add_collection(yaml_name: str) -> tuple[str, str]:
    """A minimal collection on the primary, appended as line 43."""
    return ("      view: sketches\n", f"      view: sketches\n  {yaml_name}:\n    database: hub\n    dimension: 8\n")


def case(id_: str, replacements: list[tuple[str, str]], *problems: tuple[int, str, str]):
    return pytest.param(replacements, problems, id=id_)


BAD_FILES = [
    # exactly one primary
    case(
        "no-primary",  # hub is then a secondary too, so its exposed collection needs an fdw password
        [("primary: true", "primary: false")],
        (3, "databases", "exactly one database must have primary: true (found: none)"),
        (41, "collections.sketches.expose", "collection of secondary 'hub' needs databases.hub.fdw.password"),
    ),
    case(
        "two-primaries",
        [("  shard_a:\n", "  spare:\n    primary: true\n    dsn: ${env:ORBIT_SPARE_DSN}\n  shard_a:\n")],
        (3, "databases", "exactly one database must have primary: true (found: hub, spare)"),
    ),
    case(
        "primary-as-string",
        [("primary: true", 'primary: "true"')],
        (3, "databases", "(found: none)"),
        (5, "databases.hub.primary", "Input should be a valid boolean"),
        (41, "collections.sketches.expose", "secondary 'hub'"),
    ),
    case(
        "primary-with-fdw",
        [("    dsn: ${env:ORBIT_HUB_DSN}\n", "    dsn: ${env:ORBIT_HUB_DSN}\n    fdw: {user: hub_reader}\n")],
        (7, "databases.hub.fdw", "the primary is not reached through postgres_fdw"),
    ),
    # references between sections
    case(
        "unknown-database",
        [("database: shard_a", "database: shard_b")],
        (14, "collections.papers.database", "unknown database 'shard_b' (declared: hub, shard_a)"),
    ),
    case(
        "expose-without-fdw-password",
        [("      password: ${file:secrets/shard_a_fdw.txt}\n", "")],
        (27, "collections.papers.expose", "needs databases.shard_a.fdw.password"),
    ),
    case(
        "expose-without-fdw",
        [("    fdw:\n      user: orbit_reader\n      password: ${file:secrets/shard_a_fdw.txt}\n", "")],
        (25, "collections.papers.expose", "needs databases.shard_a.fdw.password"),
    ),
    case(
        "view-in-vecs",
        [("view: catalog.papers", "view: vecs.papers")],
        (29, "collections.papers.expose.view", "views must not live in schema vecs"),
    ),
    case(
        "same-view-twice",
        [("view: sketches", "view: catalog.papers")],
        (42, "collections.sketches.expose.view", "view catalog.papers is already used by collection 'papers'"),
    ),
    case(
        "same-view-once-unqualified",
        [("view: catalog.papers", "view: public.sketches")],
        (42, "collections.sketches.expose.view", "view public.sketches is already used by collection 'papers'"),
    ),
    case(
        "view-three-parts",
        [("view: catalog.papers", "view: db.catalog.papers")],
        (29, "collections.papers.expose.view", "expected 'schema.name' or 'name'"),
    ),
    case(
        "view-empty",
        [("view: catalog.papers", 'view: ""')],
        (29, "collections.papers.expose.view", "must be a view name"),
    ),
    # dimensions
    case(
        "dimension-zero",
        [("dimension: 1536", "dimension: 0")],
        (15, "collections.papers.dimension", "greater than or equal to 1"),
    ),
    case(
        "dimension-over-16000",
        [("dimension: 3000", "dimension: 16001"), SKETCHES_UNINDEXED, SKETCHES_NO_SEARCH],
        (33, "collections.sketches.dimension", "less than or equal to 16000"),
    ),
    case(
        "indexed-vector-over-2000",
        [("dimension: 1536", "dimension: 2001")],
        (15, "collections.papers.dimension", "pgvector indexes vector columns of at most 2000 dimensions"),
    ),
    case(
        "indexed-halfvec-over-4000",
        [("dimension: 3000", "dimension: 4001")],
        (33, "collections.sketches.dimension",
         "pgvector indexes halfvec columns of at most 4000 dimensions; use index: {method: none}"),
    ),
    case(
        "dimension-true",
        [("dimension: 1536", "dimension: true")],
        (15, "collections.papers.dimension", "Input should be a valid integer"),
    ),
    case(
        "dimension-string",
        [("dimension: 1536", 'dimension: "1536"')],
        (15, "collections.papers.dimension", "Input should be a valid integer"),
    ),
    # measure, type and index method
    case(
        "measure-unknown",
        [("measure: inner_product", "measure: hamming")],
        (17, "collections.papers.measure", "Input should be 'cosine', 'l2' or 'inner_product'"),
    ),
    case(
        "type-unknown",
        [("type: vector", "type: sparsevec")],
        (16, "collections.papers.type", "Input should be 'vector' or 'halfvec'"),
    ),
    case(
        "method-unknown",
        [("method: hnsw", "method: diskann")],
        (19, "collections.papers.index.method", "Input should be 'hnsw', 'ivfflat' or 'none'"),
    ),
    # index parameters
    case("hnsw-m-1", [("m: 24", "m: 1")], (20, "collections.papers.index.m", "greater than or equal to 2")),
    case("hnsw-m-101", [("m: 24", "m: 101")], (20, "collections.papers.index.m", "less than or equal to 100")),
    case(
        "ef-construction-below-2m",
        [("ef_construction: 96", "ef_construction: 47")],
        (21, "collections.papers.index.ef_construction", "ef_construction (47) must be at least 2 * m (48)"),
    ),
    case(
        "default-ef-construction-below-2m",  # the key is absent: the line of `index:`
        [("m: 24", "m: 40"), ("      ef_construction: 96\n", "")],
        (18, "collections.papers.index.ef_construction", "ef_construction (64) must be at least 2 * m (80)"),
    ),
    case(
        "ivfflat-lists-0",
        [("lists: 50", "lists: 0")],
        (38, "collections.sketches.index.lists", "greater than or equal to 1"),
    ),
    case(
        "m-with-ivfflat",
        [("      lists: 50\n", "      lists: 50\n      m: 16\n")],
        (39, "collections.sketches.index.m", "m applies only to method hnsw"),
    ),
    case(
        "lists-with-hnsw",
        [("      ef_construction: 96\n", "      ef_construction: 96\n      lists: 10\n")],
        (22, "collections.papers.index.lists", "lists applies only to method ivfflat"),
    ),
    # metadata field types
    case(
        "metadata-type-jsonb",
        [("cited: {type: bigint}", "cited: {type: jsonb}")],
        (24, "collections.papers.metadata.cited.type", METADATA_TYPES),
    ),
    case(
        "metadata-type-float",
        [("cited: {type: bigint}", "cited: {type: float}")],
        (24, "collections.papers.metadata.cited.type", METADATA_TYPES),
    ),
    # search settings that do not fit the index method
    case(
        "probes-with-hnsw",
        [("ef_search: 80", "probes: 80")],
        (26, "collections.papers.search.probes", "probes applies only to index method ivfflat"),
    ),
    case(
        "ef-search-with-ivfflat",
        [("probes: 7", "ef_search: 7")],
        (40, "collections.sketches.search.ef_search", "ef_search applies only to index method hnsw"),
    ),
    case(
        "max-scan-tuples-with-ivfflat",
        [("probes: 7", "max_scan_tuples: 20000")],
        (40, "collections.sketches.search.max_scan_tuples", "max_scan_tuples applies only to index method hnsw"),
    ),
    case(
        "iterative-scan-without-index",
        [SKETCHES_UNINDEXED, ("probes: 7", "iterative_scan: strict_order")],
        (39, "collections.sketches.search.iterative_scan", "applies only to index methods hnsw and ivfflat"),
    ),
    # duplicate keys: reported at the duplicate, naming the first
    case("duplicate-top-level", [("name: orbit-lab\n", "name: orbit-lab\nname: again\n")],
         (3, "name", "duplicate key (first given on line 2)")),
    case(
        "duplicate-database",
        [("collections:\n", "  hub:\n    dsn: ${env:ORBIT_OTHER_DSN}\ncollections:\n")],
        (12, "databases.hub", "duplicate key (first given on line 4)"),
    ),
    case(
        "duplicate-collection-key",
        [("dimension: 1536\n", "dimension: 1536\n    dimension: 768\n")],
        (16, "collections.papers.dimension", "duplicate key (first given on line 15)"),
    ),
    case(
        "duplicate-in-flow-mapping",
        [("venue: {type: text, index: true}", "venue: {type: text, index: true, type: integer}")],
        (23, "collections.papers.metadata.venue.type", "duplicate key (first given on line 23)"),
    ),
    case(
        "duplicate-collection",
        [add_collection("papers")],
        (43, "collections.papers", "duplicate key (first given on line 13)"),
    ),
    # unknown keys, with a hint
    case("unknown-top-level", [("name: orbit-lab", "nmae: orbit-lab")],
         (2, "nmae", "unknown key 'nmae'; did you mean 'name'?")),
    case(
        "unknown-database-key",
        [("primary: true\n", "primary: true\n    primery: true\n")],
        (6, "databases.hub.primery", "unknown key 'primery'; did you mean 'primary'?"),
    ),
    case("unknown-fdw-key", [("user: orbit_reader", "usr: orbit_reader")],
         (10, "databases.shard_a.fdw.usr", "unknown key 'usr'; did you mean 'user'?")),
    case(
        "unknown-fdw-option",
        [("      user: orbit_reader\n", "      user: orbit_reader\n      options: {fetch_sise: 500}\n")],
        (11, "databases.shard_a.fdw.options.fetch_sise", "unknown key 'fetch_sise'; did you mean 'fetch_size'?"),
    ),
    case("unknown-collection-key", [("measure: inner_product", "mesure: inner_product")],
         (17, "collections.papers.mesure", "unknown key 'mesure'; did you mean 'measure'?")),
    case("unknown-index-key", [("ef_construction: 96", "ef_constrution: 96")],
         (21, "collections.papers.index.ef_constrution", "did you mean 'ef_construction'?")),
    case("unknown-metadata-key", [("index: true}", "indexed: true}")],
         (23, "collections.papers.metadata.venue.indexed", "unknown key 'indexed'; did you mean 'index'?")),
    case("unknown-search-key", [("ef_search: 80", "ef_serach: 80")],
         (26, "collections.papers.search.ef_serach", "did you mean 'ef_search'?")),
    case("unknown-expose-key", [("grant: [reader", "grants: [reader")],
         (30, "collections.papers.expose.grants", "unknown key 'grants'; did you mean 'grant'?")),
    case(
        "unknown-key-no-close-match",
        [("type: vector", "type: vector\n    zzz: 1")],
        (17, "collections.papers.zzz", "unknown key 'zzz'; allowed: database, shards, dimension, type, measure, index"),
    ),
    case(
        "required-key-missing",  # the line of the mapping that misses it
        [("    dimension: 3000\n", "")],
        (31, "collections.sketches.dimension", "required key is missing"),
    ),
    # ${env:NAME} and ${file:PATH} syntax
    case("env-name-digit", [("${env:ORBIT_HUB_DSN}", "${env:9ORBIT}")],
         (6, "databases.hub.dsn", "${env:9ORBIT}: not a valid environment variable name")),
    case("env-name-dash", [("${env:ORBIT_HUB_DSN}", "${env:ORBIT-HUB}")],
         (6, "databases.hub.dsn", "${env:ORBIT-HUB}: not a valid environment variable name")),
    case("env-name-empty", [("${env:ORBIT_HUB_DSN}", "${env:}")],
         (6, "databases.hub.dsn", "${env:}: not a valid environment variable name")),
    case("unknown-kind", [("${env:ORBIT_HUB_DSN}", "${vault:orbit/hub}")],
         (6, "databases.hub.dsn", "unknown reference kind 'vault'")),
    case("unterminated", [("${env:ORBIT_HUB_DSN}", "${env:ORBIT_HUB_DSN")],
         (6, "databases.hub.dsn", "unterminated or malformed '${' reference")),
    case("upper-case-kind", [("${env:ORBIT_HUB_DSN}", "${ENV:ORBIT_HUB_DSN}")],
         (6, "databases.hub.dsn", "unterminated or malformed '${' reference")),
    case("file-path-empty", [("${file:secrets/shard_a_fdw.txt}", "${file:}")],
         (11, "databases.shard_a.fdw.password", "${file:}: the file path is empty")),
    case("unknown-kind-in-password", [("${file:secrets/shard_a_fdw.txt}", "${vault:shard_a}")],
         (11, "databases.shard_a.fdw.password", "unknown reference kind 'vault'")),
    case("env-name-in-dsn-middle", [("password=${env:ORBIT_SHARD_A_PASSWORD}", "password=${env:ORBIT SHARD}")],
         (8, "databases.shard_a.dsn", "${env:ORBIT SHARD}: not a valid environment variable name")),
    # shards
    case("shards-with-the-primary", [("database: shard_a", "shards: [shard_a, hub]")],
         (14, "collections.papers.shards.1", "'hub' is the primary: shards are secondaries the primary reads")),
    case("shards-unknown", [("database: shard_a", "shards: [shard_a, nowhere]")],
         (14, "collections.papers.shards.1", "unknown database 'nowhere' (declared: hub, shard_a)")),
    case("shards-twice", [("database: shard_a", "shards: [shard_a, shard_a]")],
         (14, "collections.papers.shards", "shard 'shard_a' is listed twice")),
    case("shards-and-database", [("database: shard_a", "database: shard_a\n    shards: [shard_a, hub]")],
         (14, "collections.papers.database", "give database (one database holds the rows) or shards (several do), not both")),
    case("shards-one", [("database: shard_a", "shards: [shard_a]")],
         (14, "collections.papers.shards", "at least 2 items")),
    # replicas
    case("replicas-on-the-primary", [("primary: true\n", "primary: true\n    replicas: [{dsn: host=hub-2}]\n")],
         (6, "databases.hub.replicas", "replicas apply to secondaries")),
    case("reads-without-replicas", [("    fdw:\n      user: orbit_reader", "    reads: spread\n    fdw:\n      user: orbit_reader")],
         (9, "databases.shard_a.reads", "reads chooses between the database and its replicas")),
    case("reads-unknown", [("    fdw:\n      user: orbit_reader",
                            "    replicas: [{dsn: host=shard-a-2}]\n    reads: nearest\n    fdw:\n      user: orbit_reader")],
         (10, "databases.shard_a.reads", "'primary-first', 'replicas-first' or 'spread'")),
    case("replica-literal-password", [("    fdw:\n      user: orbit_reader",
                                       "    replicas:\n      - dsn: host=shard-a-2 password=hunter22\n    fdw:\n      user: orbit_reader")],
         (10, "databases.shard_a.replicas.0.dsn", "the DSN holds a literal password")),
    case("replica-max-lag", [("    fdw:\n      user: orbit_reader",
                              "    replicas: [{dsn: host=shard-a-2, max_lag: soon}]\n    fdw:\n      user: orbit_reader")],
         (9, "databases.shard_a.replicas.0.max_lag", "should match pattern")),
]


@pytest.mark.parametrize(("replacements", "problems"), BAD_FILES)
def test_each_rule_is_reported_with_line_and_key(orbit_with, validate, replacements, problems):
    path, run = validate(orbit_with(*replacements))
    run.assert_problems(path, *problems)


LITERAL_PASSWORDS = [
    case("dsn-key-value", [("password=${env:ORBIT_SHARD_A_PASSWORD}", f"password={PASSWORD}")],
         (8, "databases.shard_a.dsn", "the DSN holds a literal password")),
    case("dsn-uri", [("${env:ORBIT_HUB_DSN}", f"postgresql://orbit:{PASSWORD}@hub.internal:5432/app")],
         (6, "databases.hub.dsn", "the DSN holds a literal password")),
    case("dsn-uri-query", [("${env:ORBIT_HUB_DSN}", f"postgresql://orbit@hub.internal/app?password={PASSWORD}")],
         (6, "databases.hub.dsn", "the DSN holds a literal password")),
    case("dsn-literal-beside-reference",
         [("${env:ORBIT_HUB_DSN}", f"postgresql://orbit:{PASSWORD}@${{env:ORBIT_HUB_HOST}}/app")],
         (6, "databases.hub.dsn", "the DSN holds a literal password")),
    case("dsn-literal-prefix-of-reference",
         [("password=${env:ORBIT_SHARD_A_PASSWORD}", f"password={PASSWORD}${{env:ORBIT_SHARD_A_PASSWORD}}")],
         (8, "databases.shard_a.dsn", "the DSN holds a literal password")),
    case("fdw-password", [("${file:secrets/shard_a_fdw.txt}", PASSWORD)],
         (11, "databases.shard_a.fdw.password", "a password must come from ${env:NAME} or ${file:PATH}")),
    case("fdw-password-beside-reference", [("${file:secrets/shard_a_fdw.txt}", f'"{PASSWORD}${{env:ORBIT_PW}}"')],
         (11, "databases.shard_a.fdw.password", "a password must come from ${env:NAME} or ${file:PATH}")),
]


@pytest.mark.parametrize(("replacements", "problems"), LITERAL_PASSWORDS)
def test_literal_password_is_rejected_without_echoing_it(orbit_with, validate, replacements, problems):
    path, run = validate(orbit_with(*replacements))
    run.assert_problems(path, *problems)
    assert PASSWORD not in run.output
    assert PASSWORD[:8] not in run.output


# Hostile names, placed at every kind of identifier. Each is (name, how the key path shows it, message).
HOSTILE_NAMES = [
    pytest.param('docs"; drop table x; --', 'docs"; drop table x; --', "is not a plain identifier", id="sql"),
    pytest.param("d" * 64, "d" * 64, "is 64 bytes; PostgreSQL identifiers are at most 63 bytes", id="64-bytes"),
    pytest.param("é" * 32, "é" * 32, "is 64 bytes", id="64-bytes-in-32-chars"),
    pytest.param("d\u0430ta", "d\u0430ta", "'d\u0430ta' is not a plain identifier", id="cyrillic-a"),
    pytest.param("", "''", "must be a non-empty identifier", id="empty"),
    pytest.param("Papers", "Papers", "'Papers' is not a plain identifier", id="upper-case"),
    pytest.param("9lives", "9lives", "is not a plain identifier", id="leading-digit"),
    pytest.param("two words", "two words", "is not a plain identifier", id="space"),
]


def _yaml(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


# Where a name goes: (replacements for a name, line, key path with {key} for the rendered name).
PLACES = {
    "database-key": (
        lambda n: [("collections:\n", f"  {_yaml(n)}:\n    dsn: ${{env:ORBIT_X_DSN}}\ncollections:\n")],
        12, "databases.{key}",
    ),
    "collection-name": (
        lambda n: [add_collection(_yaml(n))],
        43, "collections.{key}",
    ),
    "metadata-field": (
        lambda n: [("      venue:", f"      {_yaml(n)}: {{type: text}}\n      venue:")],
        23, "collections.papers.metadata.{key}",
    ),
    "fdw-user": (lambda n: [("user: orbit_reader", f"user: {_yaml(n)}")], 10, "databases.shard_a.fdw.user"),
    "grant-role": (lambda n: [("grant: [reader, analyst]", f"grant: [reader, {_yaml(n)}]")],
                   30, "collections.papers.expose.grant.1"),
    "view-schema": (lambda n: [("view: catalog.papers", f"view: {_yaml(n + '.papers')}")],
                    29, "collections.papers.expose.view"),
    "view-name": (lambda n: [("view: catalog.papers", f"view: {_yaml('catalog.' + n)}")],
                  29, "collections.papers.expose.view"),
}


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(("name", "shown", "message"), HOSTILE_NAMES)
def test_hostile_names_are_rejected_everywhere(orbit_with, validate, place, name, shown, message):
    replacements, line, key = PLACES[place]
    path, run = validate(orbit_with(*replacements(name)))
    run.assert_problems(path, (line, key.format(key=shown), message))


@pytest.mark.parametrize("place", PLACES)
def test_63_byte_names_are_accepted_everywhere(orbit_with, validate, place):
    replacements, _, _ = PLACES[place]
    name = "n" * 62 + "1"
    path, run = validate(orbit_with(*replacements(name)))
    assert run.code == 0, run.err
    assert f"{path} is valid" in run.err


@pytest.mark.parametrize(
    ("replacements", "problems"),
    [
        case("fdw-user-pg", [("user: orbit_reader", "user: pg_reader")],
             (10, "databases.shard_a.fdw.user", "'pg_reader': role names starting with 'pg_' are reserved")),
        case("grant-pg", [("grant: [reader, analyst]", "grant: [pg_read_all_data]")],
             (30, "collections.papers.expose.grant.0", "role names starting with 'pg_' are reserved")),
        case("collection-underscore", [add_collection("_private")],
             (43, "collections._private", "the Vecs client ignores collections whose name starts with '_'")),
        case("key-with-newline",  # must stay one problem on one line, not a forged second one
             [("  sketches:\n", '  "sketches\\norbit.yaml:1: forged":\n')],
             (31, "collections.'sketches\\norbit.yaml:1: forged'", "is not a plain identifier")),
        case("key-with-dot", [("  sketches:\n", '  "sketches.v2":\n')],
             (31, "collections.'sketches.v2'", "is not a plain identifier")),
    ],
)
def test_reserved_and_unprintable_names(orbit_with, validate, replacements, problems):
    path, run = validate(orbit_with(*replacements))
    run.assert_problems(path, *problems)


VALID_VARIANTS = [
    pytest.param([("dimension: 1536", "dimension: 2000")], id="indexed-vector-2000"),
    pytest.param([("dimension: 3000", "dimension: 4000")], id="indexed-halfvec-4000"),
    pytest.param([("dimension: 3000", "dimension: 16000"), SKETCHES_UNINDEXED, SKETCHES_NO_SEARCH],
                 id="unindexed-halfvec-16000"),
    pytest.param([("dimension: 1536", "dimension: 1")], id="dimension-1"),
    pytest.param([("m: 24", "m: 2"), ("ef_construction: 96", "ef_construction: 4")], id="hnsw-m-2"),
    pytest.param([("m: 24", "m: 100"), ("ef_construction: 96", "ef_construction: 200")], id="hnsw-m-100"),
    pytest.param([("lists: 50", "lists: 1")], id="ivfflat-lists-1"),
    pytest.param([("view: catalog.papers", "view: papers")], id="unqualified-view"),
    pytest.param([("    expose:\n      view: catalog.papers\n      grant: [reader, analyst]\n", "")],
                 id="secondary-not-exposed"),
    pytest.param([("      password: ${file:secrets/shard_a_fdw.txt}\n", "      password: ${env:ORBIT_FDW_PASSWORD}\n")],
                 id="fdw-password-env"),
    pytest.param([("${env:ORBIT_HUB_DSN}", "postgresql://orbit:${env:ORBIT_HUB_PASSWORD}@hub.internal/app")],
                 id="dsn-password-reference"),
    pytest.param([("${env:ORBIT_HUB_DSN}", "postgresql://orbit@hub.internal/app")], id="dsn-without-password"),
    *(
        pytest.param([("cited: {type: bigint}", f"cited: {{type: {kind}}}")], id=f"metadata-{kind}")
        for kind in ("text", "integer", "bigint", "numeric", "boolean", "timestamptz")
    ),
    pytest.param([("measure: inner_product", "measure: cosine")], id="measure-cosine"),
    pytest.param([("measure: l2", "measure: inner_product")], id="measure-inner-product"),
    pytest.param([("iterative_scan: relaxed_order", "iterative_scan: strict_order")], id="iterative-scan-strict"),
    pytest.param([("    fdw:\n      user: orbit_reader",
                   "    replicas:\n      - dsn: ${env:ORBIT_SHARD_A_REPLICA_DSN}\n        fdw: {host: shard-a-2.internal, port: 5433}\n"
                   "        max_lag: 2min\n    reads: replicas-first\n    fdw:\n      user: orbit_reader")], id="replicas"),
]


@pytest.mark.parametrize("replacements", VALID_VARIANTS)
def test_valid_variants_are_accepted(orbit_with, validate, replacements):
    path, run = validate(orbit_with(*replacements))
    assert run.code == 0, run.err
    assert f"{path} is valid: 2 databases, 2 collections" in run.err


def test_valid_topology_is_accepted(orbit, validate):
    path, run = validate(orbit)
    assert (run.code, run.out) == (0, "")
    assert f"{path} is valid: 2 databases, 2 collections" in run.err


def test_several_problems_are_reported_at_once_sorted_by_line(orbit_with, validate):
    # Field errors, parser problems (duplicates), cross-section rules and an unknown
    # key at the very end: each kind is collected separately, so sorting is visible.
    text = orbit_with(
        ("name: orbit-lab\n", "name: orbit-lab\nname: again\n"),  # shifts every later line by one
        ("user: orbit_reader", "user: pg_reader"),
        ("measure: inner_product", "measure: dot"),
        ("index: true}", "index: true, type: integer}"),
        ("database: hub", "database: nowhere"),  # a cross-section rule
    )
    path, run = validate(text + "colections: {}\n")
    run.assert_problems(
        path,
        (3, "name", "duplicate key (first given on line 2)"),
        (11, "databases.shard_a.fdw.user", "'pg_' are reserved"),
        (18, "collections.papers.measure", "Input should be"),
        (24, "collections.papers.metadata.venue.type", "duplicate key (first given on line 24)"),
        (33, "collections.sketches.database", "unknown database 'nowhere'"),
        (44, "colections", "did you mean 'collections'?"),
    )


def test_problems_in_separate_collections_are_all_reported(orbit_with, validate):
    text = orbit_with(("dimension: 1536", "dimension: 2001"), ("dimension: 3000", "dimension: 4001"))
    path, run = validate(text)
    run.assert_problems(
        path,
        (15, "collections.papers.dimension", "at most 2000 dimensions"),
        (33, "collections.sketches.dimension", "at most 4000 dimensions"),
    )


def test_merge_keys_override_without_duplicate_error(orbit_with, validate):
    text = orbit_with(
        ("  hub:\n", "  hub: &base\n"),
        ("collections:\n", "  shard_b:\n    <<: *base\n    primary: false\n    dsn: ${env:ORBIT_B}\ncollections:\n"),
    )
    path, run = validate(text)
    assert run.code == 0, run.err
    assert f"{path} is valid: 3 databases" in run.err


def test_field_error_does_not_hide_a_rule_of_the_same_collection(orbit_with, validate):
    text = orbit_with(("dimension: 1536", "dimension: 2001"), ("view: catalog.papers", "view: vecs.papers"))
    path, run = validate(text)
    run.assert_problems(
        path,
        (15, "collections.papers.dimension", "at most 2000 dimensions"),
        (29, "collections.papers.expose.view", "views must not live in schema vecs"),
    )



def test_wrong_type_value_does_not_invent_a_dimension_problem(orbit_with, validate):
    # With `type` left out, its default (vector) would reject an index on 3000 dimensions:
    # a problem the user does not have. Only the real mistake is reported.
    text = orbit_with(("    type: halfvec\n", "    type: halfvecc\n"), ("view: sketches", "view: vecs.sketches"))
    path, run = validate(text)
    assert run.code == 1
    assert "collections.sketches.type" in run.err
    assert "dimension" not in run.err, run.err
