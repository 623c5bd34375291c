"""Reader roles are cluster-wide: the diff takes only this database's, keeps the name an
existing one has, and stops on one that is another topology's."""

from __future__ import annotations

import pytest
from diff_helpers import HUB, READER, SERVER, SHARD, by_key, desired, live, replaced

from vtopo import kinds
from vtopo.catalog.changes import Action, ChangeReason
from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.desired.legacy import keep_legacy_names
from vtopo.diff.engine import diff_catalogs
from vtopo.errors import PlanError

K = ObjectKind
LEGACY = "vtopo_fdw_shard_a"


def legacy_live() -> Catalog:
    """live() as an earlier vtopo left it: the reader role `vtopo_fdw_shard_a` (no owner),
    its settings for every database."""
    result = Catalog()
    for obj in live():
        if obj.key == key_of(SHARD, K.role, READER):
            obj = kinds.role.new(SHARD, LEGACY, login=True, purpose="reader", password=obj.secrets_dict["password"], owner={"legacy": True})
        elif obj.kind is K.role_setting:
            spec = obj.spec_dict
            obj = kinds.role_setting.new(SHARD, LEGACY, spec["setting"], spec["value"], database_name="shard", scope="global")
        else:  # grants and the primary's user mapping name the role
            obj = kinds.KINDS[obj.kind].with_role(obj, SHARD, READER, LEGACY)
        result.add(obj)
    return result


def test_the_default_name_is_kept_for_the_reader_role_this_database_already_has():
    changes = by_key(diff_catalogs(desired(), legacy_live()))
    role = changes.pop(key_of(SHARD, K.role, LEGACY))
    assert role.action is Action.update and role.reason_code is ChangeReason.owner_unrecorded
    assert {(key[1], change.action) for key, change in changes.items()} == {(K.role_setting, Action.create), (K.role_setting, Action.delete)}
    assert all(key[2].startswith(f"{LEGACY}:") for key in changes)  # nothing names the default name
    renamed = keep_legacy_names(desired(), legacy_live())
    assert renamed.get(key_of(HUB, K.user_mapping, f"{SERVER}:public")).spec_dict["user"] == LEGACY


def test_nothing_is_renamed_when_the_default_name_exists():
    wanted = desired()
    assert keep_legacy_names(wanted, live()) is wanted
    assert diff_catalogs(wanted, live()) == []


def test_a_role_at_the_wanted_name_owned_by_another_database_stops_the_plan():
    other = kinds.role.new(SHARD, READER, login=True, purpose="reader", managed=False,
                           owner={"topology": "harbour", "database_name": "harbour_prod"})
    with pytest.raises(PlanError) as raised:
        diff_catalogs(desired(), replaced(live(), other))
    message = str(raised.value)
    assert f"role {READER} belongs to topology 'harbour', database 'harbour_prod'" in message
    assert "set databases.shard_a.fdw.user to another name" in message


def test_an_unmarked_login_role_at_the_wanted_name_names_the_key_to_set():
    other = kinds.role.new(SHARD, READER, login=True, purpose="unmarked", managed=False)
    with pytest.raises(PlanError) as raised:
        diff_catalogs(desired(), replaced(live(), other))
    assert "not created by vtopo; set databases.shard_a.fdw.user to another name" in str(raised.value)
