"""vtopo.spec.secrets: resolving ${env:NAME} / ${file:PATH}, and the Sensitive wrapper."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtopo.errors import SecretError
from vtopo.spec.secrets import Sensitive, find_references, reference_problems, resolve_text

SECRET = "s3cr3t-Value/with spaces"
KEY = "databases.shard_a.fdw.password"


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """A base directory holding secrets/fdw.txt (with a trailing newline)."""
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "fdw.txt").write_text(SECRET + "\n", encoding="utf-8")
    return tmp_path


def resolve_error(text: str, base_dir: Path) -> SecretError:
    with pytest.raises(SecretError) as caught:
        resolve_text(text, KEY, base_dir)
    return caught.value


def test_env_reference(monkeypatch, tmp_path):
    monkeypatch.setenv("ORBIT_PW", SECRET)
    assert resolve_text("${env:ORBIT_PW}", KEY, tmp_path) == SECRET


def test_references_inside_a_dsn(monkeypatch, secret_dir):
    monkeypatch.setenv("ORBIT_HOST", "shard-a.internal")
    text = "postgresql://orbit:${file:secrets/fdw.txt}@${env:ORBIT_HOST}:5433/vectors"
    assert resolve_text(text, KEY, secret_dir) == f"postgresql://orbit:{SECRET}@shard-a.internal:5433/vectors"


def test_text_without_references_is_unchanged(tmp_path):
    assert resolve_text("host=h user=u", KEY, tmp_path) == "host=h user=u"


def test_substituted_values_are_not_expanded_again(monkeypatch, tmp_path):
    monkeypatch.setenv("ORBIT_OUTER", "${env:ORBIT_INNER}")
    monkeypatch.setenv("ORBIT_INNER", "leaked")
    assert resolve_text("${env:ORBIT_OUTER}", KEY, tmp_path) == "${env:ORBIT_INNER}"


def test_relative_file_resolves_against_base_dir_not_cwd(secret_dir, tmp_path_factory, monkeypatch):
    decoy = tmp_path_factory.mktemp("cwd")
    (decoy / "secrets").mkdir()
    (decoy / "secrets" / "fdw.txt").write_text("decoy\n", encoding="utf-8")
    monkeypatch.chdir(decoy)
    assert resolve_text("${file:secrets/fdw.txt}", KEY, secret_dir) == SECRET


def test_absolute_file_ignores_base_dir(secret_dir, tmp_path_factory):
    absolute = secret_dir / "secrets" / "fdw.txt"
    assert resolve_text(f"${{file:{absolute}}}", KEY, tmp_path_factory.mktemp("other")) == SECRET


def test_home_relative_file(secret_dir, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("HOME", str(secret_dir))
    assert resolve_text("${file:~/secrets/fdw.txt}", KEY, tmp_path_factory.mktemp("other")) == SECRET


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("pw\n", "pw"),
        ("pw\r\n", "pw"),
        ("pw", "pw"),
        ("  pw with spaces  \n", "  pw with spaces  "),
        ("line1\nline2\n", "line1\nline2"),
    ],
    ids=["lf", "crlf", "no-newline", "inner-spaces-kept", "inner-newline-kept"],
)
def test_file_trailing_newline_is_stripped(tmp_path, content, expected):
    (tmp_path / "pw.txt").write_bytes(content.encode("utf-8"))
    assert resolve_text("${file:pw.txt}", KEY, tmp_path) == expected


def test_missing_env_variable_names_it_and_the_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ORBIT_SET", SECRET)
    monkeypatch.delenv("ORBIT_UNSET", raising=False)
    error = resolve_error("${env:ORBIT_SET}:${env:ORBIT_UNSET}", tmp_path)
    assert error.message == f"{KEY}: environment variable ORBIT_UNSET is not set"
    assert "ORBIT_UNSET" in (error.hint or "")
    assert SECRET not in f"{error.message} {error.hint} {error!r}"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("secrets/absent.txt", "No such file or directory"), ("secrets", "Is a directory")],
    ids=["missing", "directory"],
)
def test_unreadable_file_names_it_and_the_key(secret_dir, name, reason):
    error = resolve_error(f"${{file:secrets/fdw.txt}}${{file:{name}}}", secret_dir)
    assert error.message == f"{KEY}: cannot read secret file {name}: {reason}"
    assert SECRET not in str(error)


def test_file_that_is_not_utf8_never_shows_its_bytes(tmp_path):
    (tmp_path / "pw.bin").write_bytes(b"s3cr3t\xff\xfe-tail\n")
    error = resolve_error("${file:pw.bin}", tmp_path)
    assert error.message == f"{KEY}: secret file pw.bin is not UTF-8 text"
    assert error.__cause__ is None and error.__suppress_context__
    assert "s3cr3t" not in str(error) and "tail" not in str(error)


def test_unknown_reference_kind_is_not_read_as_a_file(secret_dir):
    error = resolve_error("${vault:secrets/fdw.txt}", secret_dir)
    assert error.message.startswith(f"{KEY}: unknown reference kind 'vault'")
    assert SECRET not in str(error)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("${env:ORBIT_PW}", []),
        ("host=h password=${file:./pw.txt} user=${env:_U1}", []),
        ("${env:1PW}", ["${env:1PW}: not a valid environment variable name"]),
        ("${file: }", ["${file:}: the file path is empty"]),
        ("${ssm:pw}", ["${ssm:...}: unknown reference kind 'ssm'; use ${env:NAME} or ${file:PATH}"]),
        ("${env:PW", ["unterminated or malformed '${' reference; use ${env:NAME} or ${file:PATH}"]),
        ("${env:OK}${", ["unterminated or malformed '${' reference; use ${env:NAME} or ${file:PATH}"]),
        ("${env:A-B}${ssm:x}", ["${env:A-B}: not a valid environment variable name",
                                "${ssm:...}: unknown reference kind 'ssm'; use ${env:NAME} or ${file:PATH}"]),
    ],
)
def test_reference_problems(text, problems):
    assert reference_problems(text) == problems


def test_find_references():
    assert find_references("u=${env:A} p=${file:x/y} q=${env:B") == [("env", "A"), ("file", "x/y")]


@pytest.mark.parametrize(
    "render",
    [str, repr, lambda s: f"{s}", lambda s: f"{s!r}", lambda s: f"{s!s}", lambda s: f"{s:>20}",
     lambda s: "%s" % s, lambda s: "{}".format(s), lambda s: repr([s]), lambda s: str({"pw": s})],
    ids=["str", "repr", "f", "f-r", "f-s", "f-spec", "percent", "format", "in-list", "in-dict"],
)
def test_sensitive_prints_masked(render):
    rendered = render(Sensitive(SECRET))
    assert "(sensitive)" in rendered
    assert SECRET not in rendered


def test_sensitive_reveals_and_compares():
    value = Sensitive(SECRET)
    assert value.reveal() == SECRET
    assert value == Sensitive(SECRET) and value != Sensitive("other") and value != SECRET
    assert f"{value:>12}" == " (sensitive)"
    assert not hasattr(value, "__dict__")
