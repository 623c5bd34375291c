"""Notes for passwords vtopo cannot compare: hidden by the catalog, or stored as md5."""

from __future__ import annotations

import hashlib

import pytest

from vtopo import kinds
from vtopo.catalog.model import Catalog
from vtopo.catalog.scram import UNREADABLE
from vtopo.introspect.preflight import unreadable_secret_notes
from vtopo.spec.secrets import Sensitive

WANTED = Sensitive("s3cret-pw")


def catalogs(live_password):
    desired, live = Catalog(), Catalog()
    desired.add(kinds.role.new("rack", "vtopo_fdw_rack", login=True, purpose="reader", password=WANTED))
    live.add(kinds.role.new("rack", "vtopo_fdw_rack", login=True, purpose="reader", password=live_password))
    return desired, live


@pytest.mark.parametrize(
    ("live_password", "expected"),
    [
        (UNREADABLE, "not readable"),
        (Sensitive("md5" + hashlib.md5(b"s3cret-pwvtopo_fdw_rack").hexdigest()), "cannot compare"),
    ],
)
def test_a_password_that_cannot_be_compared_gets_a_note(live_password, expected):
    [note] = unreadable_secret_notes(*catalogs(live_password))
    assert expected in note and "vtopo_fdw_rack" in note and "s3cret" not in note


def test_a_comparable_password_gets_no_note():
    assert unreadable_secret_notes(*catalogs(Sensitive("plain-from-user-mapping"))) == []
