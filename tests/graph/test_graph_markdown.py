"""`vtopo plan --format markdown` as a complete pull-request comment."""

from __future__ import annotations

import copy
import re

from graph_fixtures import COLLECTIONS
from harness import run_vtopo, topology_for
from mermaid_syntax import parse_mermaid

from vtopo.operations import apply_topology, make_plan
from vtopo.report import markdown


def test_pr_comment_has_markers_summary_hazards_graph_and_sql(pg_dbs, make_topology, monkeypatch):
    data, env = topology_for(pg_dbs, prefix="MD", collections=COLLECTIONS)
    path = make_topology(data, env)
    apply_topology(path, approve=lambda plan: True)
    with pg_dbs.secondary2.connect() as conn:
        conn.execute("INSERT INTO vecs.clips VALUES ('a', '[1,2,3,4]', '{}'), ('b', '[4,3,2,1]', '{}')")

    # The pull request: drop clips (it has rows), retune docs' index, add memos on pod2.
    changed = copy.deepcopy(data)
    del changed["collections"]["clips"]
    changed["collections"]["docs"]["index"]["m"] = 12
    changed["collections"]["memos"] = {"database": "pod2", "dimension": 3, "expose": {"view": "public.memos", "grant": ["anon"]}}
    path = make_topology(changed, env)

    run = run_vtopo("plan", "-f", str(path), "--format", "markdown", env=env)
    assert run.returncode == 0, run.stderr
    comment = run.stdout
    lines = comment.splitlines()
    # Hidden markers first: a CI job finds its previous comment by them.
    assert lines[:2] == ["<!-- vtopo-plan -->", "<!-- vtopo-plan-id: md-test/default -->"]
    assert lines[2] == "### vtopo plan — md-test"

    start = lines.index("| database | create | update | replace | delete | hazards |")
    rows = lines[start + 2 : lines.index("", start)]
    summary = {row.split("|")[1].strip(): row for row in rows}
    assert list(summary) == ["`pod1`", "`pod2`", "`app` (primary)"], rows  # one row per database, primary last
    assert "⛔" in summary["`pod2`"] and "⚠️" in summary["`pod1`"]

    caution = comment.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert "clips" in caution and "--allow-destroy" in caution
    warning = comment.split("> [!WARNING]", 1)[1].split("\n\n", 1)[0]
    assert "`pod1` vector_index `docs`" in warning

    block = re.search(r"```mermaid\n(.*?)\n```", comment, flags=re.S)
    assert block, "the graph of what changes is a mermaid block"
    diagram = parse_mermaid(block[1])
    assert diagram.status_of(diagram.find("vecs.clips", "pod2")) == "removed"
    assert diagram.status_of(diagram.find("vecs.docs", "pod1")) == "changed"
    assert diagram.status_of(diagram.find("vecs.memos", "pod2")) == "added"
    assert diagram.status_of(diagram.find("public.memos", "app")) == "added"
    assert diagram.edge(diagram.find("public.memos", "app"), diagram.find("anon"))[2] == "SELECT"

    for database in ("pod1", "pod2", "app"):
        sql = re.search(rf"<details><summary>SQL for {database} \((\d+) statements\)</summary>\n\n```sql\n(.*?)\n```", comment, flags=re.S)
        # collapsible, one block per database; statements end in ";\n" (function bodies hold their own)
        assert sql and int(sql[1]) == re.sub(r"\$(\w*)\$.*?\$\1\$", "", sql[2], flags=re.S).count(";\n") + 1, database
    assert "DROP TABLE" in comment and "CREATE INDEX CONCURRENTLY" in comment
    for secret in env.values():
        assert secret not in comment

    # Too long for a comment: the SQL gives way, markers and summary stay.
    plan, _ = make_plan(path)
    monkeypatch.setattr(markdown, "MAX_COMMENT_CHARS", 3000)
    short = markdown.render_markdown(plan)
    assert short.startswith("<!-- vtopo-plan -->\n<!-- vtopo-plan-id: md-test/default -->")
    assert "```sql" not in short and "SQL omitted" in short and "[!CAUTION]" in short


def test_empty_plan_comment_keeps_the_markers(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="ME", collections={"faces": COLLECTIONS["faces"]})
    path = make_topology(data, env)
    apply_topology(path, approve=lambda plan: True)
    plan, _ = make_plan(path, env="")
    comment = markdown.render_markdown(plan)
    assert comment.splitlines()[:2] == ["<!-- vtopo-plan -->", "<!-- vtopo-plan-id: me-test/default -->"]
    assert "**No changes.**" in comment and "```mermaid" not in comment
