"""Passwords in the diff: compared through SCRAM verifiers or plain mapping options, never shown."""

from __future__ import annotations

import pytest
from diff_helpers import HUB, PASSWORD, READER, SERVER, SHARD, desired, get, live, replaced, scram_verifier

from vtopo import kinds
from vtopo.catalog.model import ObjectKind, key_of
from vtopo.catalog.scram import UNREADABLE, SecretState, compare_password
from vtopo.diff.engine import diff_catalogs
from vtopo.catalog.changes import Action
from vtopo.spec.secrets import Sensitive

K = ObjectKind
OTHER_PASSWORD = "rip-current-7"
ROLE_KEY = key_of(SHARD, K.role, READER)
MAPPING_KEY = key_of(HUB, K.user_mapping, f"{SERVER}:public")


def live_role(password: Sensitive | None):
    return kinds.role.new(SHARD, READER, login=True, purpose="reader", password=password)


def live_mapping(password: Sensitive | None):
    return kinds.user_mapping.new(HUB, SERVER, user=READER, password=password)


# --- compare_password -------------------------------------------------------


def test_the_test_verifier_is_what_postgresql_stores():
    verifier = scram_verifier(PASSWORD)
    method, rest = verifier.split("$", 1)
    assert method == "SCRAM-SHA-256" and rest.startswith("4096:")


@pytest.mark.parametrize(
    "live_value, expected",
    [
        (Sensitive(scram_verifier(PASSWORD)), SecretState.same),
        (Sensitive(scram_verifier(PASSWORD, salt=b"another-salt-val", iterations=10000)), SecretState.same),
        (Sensitive(scram_verifier(OTHER_PASSWORD)), SecretState.different),
        (Sensitive(PASSWORD), SecretState.same),  # a user mapping's plain option
        (Sensitive(OTHER_PASSWORD), SecretState.different),
        (None, SecretState.different),  # no password set at all
        (UNREADABLE, SecretState.unknown),
        (Sensitive("\x00vtopo:unreadable"), SecretState.unknown),
        (Sensitive("md5" + "0" * 32), SecretState.unknown),
        (Sensitive("SCRAM-SHA-256$garbled"), SecretState.unknown),
    ],
    ids=[
        "scram-same", "scram-same-other-salt", "scram-different", "plain-same", "plain-different",
        "unset", "unreadable", "unreadable-equal-value", "md5", "garbled-scram",
    ],
)
def test_compare_password(live_value, expected):
    assert compare_password(Sensitive(PASSWORD), live_value) is expected


# --- the diff ---------------------------------------------------------------


@pytest.mark.parametrize(
    "key, make_live",
    [(ROLE_KEY, lambda pw: live_role(Sensitive(scram_verifier(pw)))), (MAPPING_KEY, lambda pw: live_mapping(Sensitive(pw)))],
    ids=["role-scram", "user-mapping"],
)
def test_the_same_password_is_no_change(key, make_live):
    assert diff_catalogs(desired(), replaced(live(), make_live(PASSWORD))) == []


@pytest.mark.parametrize(
    "key, make_live",
    [
        (ROLE_KEY, lambda: live_role(Sensitive(scram_verifier(OTHER_PASSWORD)))),
        (ROLE_KEY, lambda: live_role(None)),
        (MAPPING_KEY, lambda: live_mapping(Sensitive(OTHER_PASSWORD))),
        (MAPPING_KEY, lambda: live_mapping(None)),
    ],
    ids=["role-other-password", "role-without-password", "mapping-other-password", "mapping-without-password"],
)
def test_another_password_is_an_update_that_never_shows_it(key, make_live):
    [change] = diff_catalogs(desired(), replaced(live(), make_live()))
    assert change.subject.key == key
    assert change.action is Action.update
    assert change.reason == "password changed (sensitive)"
    shown = f"{change.reason} {change!r} {change.before!r} {change.after!r}"
    assert PASSWORD not in shown and OTHER_PASSWORD not in shown


@pytest.mark.parametrize("make_live", [live_role, live_mapping], ids=["role", "user-mapping"])
def test_an_unreadable_live_password_is_no_change(make_live):
    assert diff_catalogs(desired(), replaced(live(), make_live(UNREADABLE))) == []


def test_an_offline_plan_does_not_compare_passwords():
    """Without resolved secrets (desired password None) nothing is planned for them."""
    current = replaced(live(), live_role(Sensitive(scram_verifier(OTHER_PASSWORD))), live_mapping(Sensitive(OTHER_PASSWORD)))
    assert diff_catalogs(desired(password=None), current) == []


def test_a_password_change_and_a_spec_change_are_reported_together():
    current = live()
    role = kinds.role.new(SHARD, READER, login=False, purpose="reader", password=Sensitive(scram_verifier(OTHER_PASSWORD)))
    [change] = diff_catalogs(desired(), replaced(current, role))
    assert change.reason == "login: False → True; password changed (sensitive)"


def test_a_grantee_role_is_only_ensured_to_exist():
    current = live()
    analyst = kinds.role.new(HUB, "analyst", login=True, purpose="unmarked", password=Sensitive("whatever"), managed=False)
    assert diff_catalogs(desired(), replaced(current, analyst)) == []
    assert get(desired(), HUB, K.role, "analyst").secrets == ()
