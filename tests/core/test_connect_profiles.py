"""core.connect_profiles: names within Customer Profiles' limits, the field mapping, the streaming join into upload
files (split, counted, exact), and the choice of membership slot and version."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import boto3
import pytest

from contextual_targeting.core import connect_profiles as cp
from contextual_targeting.core.storage import LocalStorage
from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.customer_profiles import CustomerProfilesEmulator

MAPPING = cp.FieldMapping.parse(None)


def export(segment: str = "genres-action--job-1", dg: str = "movies") -> cp.ExportObject:
    return cp.ExportObject(dg, "job-1", segment, f"segments/{dg}/job-1/{segment}.csv")


# ------------------------------------------------------------------ names
def test_names_are_readable_when_they_can_be_and_within_limits_when_not() -> None:
    # the segment name core.naming built from the identity is already a valid definition name: kept as it is
    named = "genres-action_movies_movies-affinity_j1_05b2b7f10832"
    assert cp.definition_name(export(named)) == named
    # an export named by hand, outside the rules: the dataset group joins it, within the limits
    assert cp.definition_name(export("Action & Comedy")).startswith("movies-Action-Comedy-")
    long_a = cp.identity_name(["dg", "x" * 80 + "a"])
    long_b = cp.identity_name(["dg", "x" * 80 + "b"])
    assert len(long_a) == len(long_b) == 64 and long_a != long_b
    # characters outside [A-Za-z0-9_-] are replaced, and a hash keeps "a.b" and "a-b" apart
    dotted, dashed = cp.identity_name(["dg", "a.b"]), cp.identity_name(["dg", "a-b"])
    assert dashed == "dg-a-b" and dotted.startswith("dg-a-b-") and dotted != dashed
    for name in (long_a, dotted, cp.identity_name(["_x", "é"])):
        assert len(name) <= 64 and all((c.isalnum() and c.isascii()) or c in "-_" for c in name) and name[0].isalnum()


# ------------------------------------------------------------------ the mapping
def test_the_default_mapping_fits_the_sample_and_maps_every_upload_column() -> None:
    fields = MAPPING.upload_fields("ct_x_a")
    assert list(fields) == ["USER_ID", "E_MAIL", "GENDER", "AGE", "CT_SEGMENT_VERSION"]
    assert fields["E_MAIL"] == {
        "Source": "_source.E_MAIL",
        "Target": "_profile.EmailAddress",
        "ContentType": "EMAIL_ADDRESS",
    }
    assert fields["USER_ID"]["Target"] == "_profile.AccountNumber"
    assert fields["CT_SEGMENT_VERSION"]["Target"] == "_profile.Attributes.ct_x_a"


@pytest.mark.parametrize(
    "text",
    [
        '{"GENDER": "GenderString"}',
        '{"E_MAIL": "Email"}',
        '{"USER_ID": "EmailAddress"}',
        "[]",
        '{"bad col": "EmailAddress"}',
    ],
)
def test_a_mapping_without_a_contact_field_or_with_an_unknown_target_is_refused(text: str) -> None:
    with pytest.raises(cp.MappingInvalid):
        cp.FieldMapping.parse(text)


# ------------------------------------------------------------------ the join
def read_parts(storage: LocalStorage, parts: list[dict]) -> list[list[list[str]]]:
    return [list(csv.reader(io.StringIO(storage.open_read(p["key"]).read().decode("utf-8")))) for p in parts]


def test_the_join_writes_exactly_the_members_with_a_contact_field_in_parts_below_the_limit(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    users = "USER_ID,GENDER,E_MAIL,AGE\n" + "".join(
        f"u{i},Female,{'' if i == 3 else f'u{i}@example.com'},{30 + i}\n" for i in range(10)
    )
    users += 'u4,Male,"second,row@example.com",99\n'  # a duplicate row: the first one is imported
    users += 'u9x,"Fe""male\nline",u9x@example.com,1\n'  # quotes and a newline inside a field round-trip
    (tmp_path / "train/movies").mkdir(parents=True)
    (tmp_path / "train/movies/users.csv").write_text(users)
    (tmp_path / "segments/movies/job-1").mkdir(parents=True)
    (tmp_path / "segments/movies/job-1/genres-action--job-1.csv").write_text("USER_ID\nu1\nu3\nu4\nu9x\nghost\n")
    result = cp.build_profiles(storage, export(), MAPPING, "tok1", max_bytes=90)
    assert result["counts"] == {
        "segment_users": 5,
        "profiles": 3,
        "no_contact_field": 1,
        "not_in_users_dataset": 1,
        "duplicate_user_rows": 1,
        "users_rows_read": 12,
    }
    parts = read_parts(storage, result["parts"])
    assert len(parts) == result["part_count"] > 1
    header = ["USER_ID", "E_MAIL", "GENDER", "AGE", "CT_SEGMENT_VERSION"]
    assert all(part[0] == header for part in parts)
    rows = [row for part in parts for row in part[1:]]
    assert rows == [
        ["u1", "u1@example.com", "Female", "31", "tok1"],
        ["u4", "u4@example.com", "Female", "34", "tok1"],
        ["u9x", "u9x@example.com", 'Fe"male\nline', "1", "tok1"],
    ]
    assert all(p["bytes"] <= 90 and p["bytes"] == (tmp_path / p["key"]).stat().st_size for p in result["parts"])

    # the next version's files replace the previous version's (files this module wrote, nothing else)
    again = cp.build_profiles(storage, export(), MAPPING, "tok2")
    assert [p["key"] for p in again["parts"]] == ["connect/uploads/genres-action--job-1/tok2/part-00000.csv"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "connect").rglob("*.csv")) == [
        again["parts"][0]["key"]
    ]


def test_ids_that_differ_only_by_spaces_are_two_users(tmp_path: Path) -> None:
    """' 1' and '1' are different users in Personalize: the join never trims an id."""
    (tmp_path / "train/movies").mkdir(parents=True)
    (tmp_path / "train/movies/users.csv").write_text(
        "USER_ID,GENDER,E_MAIL,AGE\n1,Male,one@example.com,40\n 1,Female,space-one@example.com,41\n"
    )
    (tmp_path / "segments/movies/job-1").mkdir(parents=True)
    (tmp_path / "segments/movies/job-1/genres-action--job-1.csv").write_text("USER_ID\n 1\n")
    storage = LocalStorage(tmp_path)
    result = cp.build_profiles(storage, export(), MAPPING, "tok1")
    rows = [row for part in read_parts(storage, result["parts"]) for row in part[1:]]
    assert rows == [[" 1", "space-one@example.com", "Female", "41", "tok1"]]
    assert result["counts"]["duplicate_user_rows"] == 0


def test_a_users_dataset_without_a_mapped_column_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "train/movies").mkdir(parents=True)
    (tmp_path / "train/movies/users.csv").write_text("USER_ID,E_MAIL\nu1,a@example.com\n")
    (tmp_path / "segments/movies/job-1").mkdir(parents=True)
    (tmp_path / "segments/movies/job-1/genres-action--job-1.csv").write_text("USER_ID\nu1\n")
    with pytest.raises(cp.InputInvalid, match=r"users.csv line 1: no column GENDER, AGE"):
        cp.build_profiles(LocalStorage(tmp_path), export(), MAPPING, "t")


# ------------------------------------------------------------------ slots and versions
def test_versions_alternate_slots_and_an_identical_version_is_unchanged(monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    emulator = CustomerProfilesEmulator(domains=("d",))
    with emulate(emulator):
        client = boto3.client("customer-profiles", region_name="us-east-1")

        def run(etag: str) -> dict:
            return cp.prepare(client, "d", export(), etag, MAPPING, region="us-east-1", account="123456789012")

        first = run("e1")
        assert (first["action"], first["slot"], first["definition_exists"]) == ("import", "a", False)
        client.create_segment_definition(
            DomainName="d",
            SegmentDefinitionName=first["definition_name"],
            DisplayName=first["display_name"],
            SegmentGroups=first["segment_groups"],
        )
        assert run("e1")["action"] == "unchanged"
        second = run("e2")
        assert (second["action"], second["slot"], second["previous_token"]) == ("import", "b", first["token"])
        assert second["token"] != first["token"]
        foreign = export("other")
        client.create_segment_definition(
            DomainName="d",
            SegmentDefinitionName=cp.definition_name(foreign),
            DisplayName="x",
            SegmentGroups={"Groups": []},
        )
        with pytest.raises(cp.InputInvalid, match="not created by this solution"):
            cp.prepare(client, "d", foreign, "e", MAPPING, region="us-east-1", account="123456789012")
    emulator.close()
