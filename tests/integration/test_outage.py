"""One secondary down stops nothing else: targeted plan and apply elsewhere work, a full plan
shows the rest and names the stopped one (exit 1), a full apply refuses with the --target line
that proceeds, check and graph --live report it once and go on with the rest.

pod2 is a server of its own here (the session's servers are shared), really stopped."""

from __future__ import annotations

import pytest

from vtopo.local import LocalCluster, ServerOptions

from .helpers import relkind, vtopo


@pytest.fixture
def outage(make_topo, server_tmp_path):
    """The gallery (articles on pod1, clips on pod2, faces on the primary) applied, then pod2 stopped."""
    cluster = LocalCluster(server_tmp_path / "pod2", ServerOptions(fsync=False))
    try:
        (server,) = cluster.up(["pod2"])
        topo = make_topo(prefix="OUT")
        topo.setenv("OUT_POD2_DSN", server.dsn())
        topo.setup_apply()
        cluster.down()
        yield topo
    finally:
        cluster.down(purge=True)


def _unreachable_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "database 'pod2': cannot connect" in line]


def test_targeted_plan_and_apply_on_another_secondary_work(outage):
    assert "No changes" in outage.plan("--target", "articles").stdout
    outage.collections["notes"] = {"database": "pod1", "dimension": 3, "expose": {"view": "public.notes"}}
    outage.write()
    applied = outage.apply_auto("--target", "pod1", "--no-check")
    assert "Apply complete: " in applied.stdout, applied.stdout
    assert relkind(outage.db("pod1"), "vecs.notes") == "r"
    assert relkind(outage.db("app"), "public.notes") == "v"
    assert "No changes" in outage.plan("--target", "notes").stdout


def test_a_full_plan_shows_the_reachable_databases_and_names_the_stopped_one(outage):
    outage.collections["notes"] = {"database": "pod1", "dimension": 3}
    outage.write()
    result = outage.plan(expect=1)
    assert "+ collection notes" in result.stdout, result.stdout  # the reachable part is planned
    lines = _unreachable_lines(result.stderr)
    assert len(lines) == 1 and "Connection refused" in lines[0], result.stderr
    assert "vtopo apply -f" in result.stderr and "--target pod1 --target faces" in result.stderr, result.stderr
    json_plan = outage.plan("--format", "json", "--out", str(outage.path.parent / "plan.json"), expect=1)
    assert '"kind": "vtopo-plan"' in json_plan.stdout
    assert not (outage.path.parent / "plan.json").exists()  # an incomplete plan is never saved


def test_a_full_apply_refuses_with_the_target_line_that_proceeds(outage):
    outage.collections["notes"] = {"database": "pod1", "dimension": 3}
    outage.write()
    result = outage.apply_auto(expect=1)
    assert "database 'pod2': cannot connect" in result.stderr, result.stderr
    assert "nothing was applied" in result.stderr
    line = next(line for line in result.stderr.splitlines() if "hint:" in line)
    assert f"vtopo apply -f {outage.path} --target pod1 --target faces" in line, line
    assert relkind(outage.db("pod1"), "vecs.notes") is None
    # The line it gives works.
    proceed = outage.apply_auto("--target", "pod1", "--target", "faces", "--no-check")
    assert relkind(outage.db("pod1"), "vecs.notes") == "r", proceed.stderr


def test_check_reports_the_stopped_database_once_and_checks_the_rest(outage):
    checked = vtopo("check", "-f", str(outage.path), expect=1)
    report = checked.stdout
    failing = [line for line in report.splitlines() if "FAIL" in line]
    assert len(failing) == 1 and "pod2" in failing[0] and "database reachable" in failing[0], report
    assert "not checked: clips" in " ".join(report.split()), report
    assert "collection articles" in report and "collection faces" in report  # the rest is checked
    assert "collection clips" not in report
    targeted = vtopo("check", "-f", str(outage.path), "--target", "articles")
    assert "pod2" not in targeted.stdout and "All checks passed." in targeted.stdout, targeted.stdout


def test_graph_live_draws_the_rest_and_names_the_stopped_database(outage):
    drawn = vtopo("graph", "-f", str(outage.path), "--live", expect=1)
    assert "articles" in drawn.stdout and "faces" in drawn.stdout, drawn.stdout
    assert len(_unreachable_lines(drawn.stderr)) == 1, drawn.stderr


def test_a_query_through_the_primary_to_the_stopped_pod_says_it_is_unreachable(outage):
    """Not 'check the FDW password': the primary's connection to pod2 was refused."""
    result = vtopo("query", "clips", "-f", str(outage.path), "--vector", "[1, 0, 0, 0]", "--via", "primary", expect=1)
    assert "unreachable from the primary" in result.stderr, result.stderr
    assert "fdw.password" not in result.stderr
    assert "Traceback" not in result.stderr
