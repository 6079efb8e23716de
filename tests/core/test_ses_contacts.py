"""core.ses_contacts: names, topic management at SES's limits, the compact id set and the streaming join."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contextual_targeting.core import ses_contacts as sc
from contextual_targeting.core.storage import LocalStorage
from contextual_targeting.local.emulation import emulate
from contextual_targeting.local.emulators.ses import SesV2Emulator

EXPORT = sc.ExportObject("movies", "job-1", "genres-action--job-1", "segments/movies/job-1/genres-action--job-1.csv")


def test_parse_export_key() -> None:
    assert sc.parse_export_key("segments/movies/job-1/genres-action--job-1.csv") == EXPORT
    for key in (
        "segments/movies/job-1/_summary.json",
        "segments/movies/job-1/_other.csv",
        "segments/movies/a.csv",
        "segments/movies/job/x/a.csv",
        "train/movies/users.csv",
    ):
        assert sc.parse_export_key(key) is None, key


def test_topic_names_are_safe_bounded_and_distinct() -> None:
    assert sc.topic_name("genres-action--job-1") == "genres-action--job-1"
    cut = [sc.topic_name("genre-" + "x" * 70 + suffix) for suffix in ("a", "b")]
    assert all(len(n) <= 64 for n in cut) and cut[0] != cut[1]
    odd = sc.topic_name("a.b,c d")
    assert odd.replace("-", "").isalnum() and odd != sc.topic_name("a-b-c-d")


def test_compact_id_set_membership_and_size() -> None:
    ids = sc.CompactIdSet()
    for i in range(50_000):
        ids.add(f"user-{i}")
    ids.add("user-7")  # duplicates collapse
    ids.freeze()
    assert len(ids) == 50_000
    assert all(f"user-{i}" in ids for i in range(0, 50_000, 97))
    assert sum(f"other-{i}" in ids for i in range(20_000)) == 0
    assert ids.nbytes() == 8 * 50_000


# ------------------------------------------------------------------------------------------------ the join
def write(root: Path, key: str, text: str) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def rows_of(storage: LocalStorage, parts: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for part in parts:
        rows += list(csv.DictReader(io.StringIO((storage.root / part["key"]).read_text())))
    return rows


@pytest.fixture
def store(tmp_path: Path) -> LocalStorage:
    # users in two parts; u3 has no address, u4 a malformed one
    write(
        tmp_path,
        "train/movies/users/part-1.csv",
        "USER_ID,GENDER,E_MAIL,AGE\nu1,F,u1@example.com,30\nu2,M,u2@example.com,40\n",
    )
    write(tmp_path, "train/movies/users/part-2.csv", "age,e_mail,user_id\n20,,u3\n25,nope,u4\n33,u5@example.com,u5\n")
    write(tmp_path, EXPORT.key, "USER_ID\nu1\nu2\nu3\nu4\nghost\n")
    return LocalStorage(tmp_path)


def test_join_counts_and_parts(store: LocalStorage) -> None:
    result = sc.build_contacts(store, EXPORT, "genres-action--job-1", {}, max_rows=1)
    assert result.counts["segment_users"] == 5
    assert (result.counts["subscribed"], result.counts["invalid_address"]) == (2, 1)
    assert (result.counts["missing_email"], result.counts["not_in_users_dataset"]) == (2, 1)
    assert [p["rows"] for p in result.parts] == [1, 1]
    rows = rows_of(store, result.parts)
    assert rows == [
        {
            "emailAddress": "u1@example.com",
            "unsubscribeAll": "false",
            "topicPreferences.genres-action--job-1": "OPT_IN",
        },
        {
            "emailAddress": "u2@example.com",
            "unsubscribeAll": "false",
            "topicPreferences.genres-action--job-1": "OPT_IN",
        },
    ]
    # a later run with fewer rows leaves no stale part behind
    again = sc.build_contacts(store, EXPORT, "genres-action--job-1", {}, max_rows=10)
    assert len(again.parts) == 1
    assert sorted(store.list("ses/imports/")) == ["ses/imports/genres-action--job-1/part-00000.csv"]


def snapshot_ids(store: LocalStorage, topic: str) -> list[str]:
    return [r["USER_ID"] for r in csv.DictReader(io.StringIO((store.root / sc.members_key("ses/", topic)).read_text()))]


def test_join_leaves_leavers_without_preference_and_states_every_topic_of_ours(
    store: LocalStorage, tmp_path: Path
) -> None:
    topic = "genres-action--job-1"
    write(tmp_path, sc.members_key("ses/", topic), "USER_ID\nu1\nu5\n")  # u5 left the segment
    # another topic of ours: its column comes from its snapshot (what its own import put into SES)
    write(tmp_path, sc.members_key("ses/", "genres-comedy--job-1"), "USER_ID\nu2\nu5\n")
    result = sc.build_contacts(store, EXPORT, topic, ["genres-comedy--job-1", "never-imported"])
    assert result.topics == [topic, "genres-comedy--job-1", "never-imported"]
    by_email = {r["emailAddress"]: r for r in rows_of(store, result.parts)}
    assert by_email["u5@example.com"][f"topicPreferences.{topic}"] == ""  # no preference: the default OPT_OUT
    assert by_email["u5@example.com"]["topicPreferences.genres-comedy--job-1"] == "OPT_IN"
    assert by_email["u1@example.com"]["topicPreferences.genres-comedy--job-1"] == ""
    assert by_email["u2@example.com"]["topicPreferences.genres-comedy--job-1"] == "OPT_IN"
    assert {r["topicPreferences.never-imported"] for r in by_email.values()} == {""}
    assert (result.counts["subscribed"], result.counts["unsubscribed"]) == (2, 1)
    # the new snapshot: the members subscribed, and the leaver until its part is in SES
    assert snapshot_ids(store, topic) == ["u1", "u2", "u5"]
    assert (store.root / sc.leavers_key("ses/", topic, 0)).read_text() == "USER_ID\nu5\n"
    assert sc.commit_part(store, "ses/", topic, 0) == {"removed": 1, "kept": 2}
    assert snapshot_ids(store, topic) == ["u1", "u2"]
    assert sc.commit_part(store, "ses/", topic, 0) == {"removed": 0, "kept": 2}  # idempotent


def test_what_ses_holds_is_never_overridden(store: LocalStorage, tmp_path: Path) -> None:
    topic = "genres-action--job-1"
    hashed = lambda *values: _ids(*values)  # noqa: E731
    state = sc.ListState(
        topics={topic: "OPT_OUT", "news": "OPT_IN"},
        unsubscribed_all=hashed("u2@example.com"),
        # u1 opted out of the topic (never in a snapshot of ours), u5 of the operator's newsletter
        opted_out={topic: hashed("u1@example.com"), "news": hashed("u5@example.com")},
        opted_in={"news": hashed("u1@example.com")},
    )
    write(tmp_path, EXPORT.key, "USER_ID\nu1\nu2\nu5\n")
    result = sc.build_contacts(store, EXPORT, topic, [], state=state)
    assert result.topics == [topic, "news"]
    rows = {r["emailAddress"]: r for r in rows_of(store, result.parts)}
    assert set(rows) == {"u1@example.com", "u5@example.com"}  # u2 unsubscribed from all: no row at all
    assert rows["u1@example.com"][f"topicPreferences.{topic}"] == "OPT_OUT"
    assert rows["u1@example.com"]["topicPreferences.news"] == "OPT_IN"  # a foreign topic's choice carried over
    assert rows["u5@example.com"][f"topicPreferences.{topic}"] == "OPT_IN"
    assert rows["u5@example.com"]["topicPreferences.news"] == "OPT_OUT"
    assert (result.counts["kept_opt_out"], result.counts["kept_unsubscribed_all"]) == (1, 1)
    assert snapshot_ids(store, topic) == ["u5"]  # only who SES will hold as subscribed


def test_users_sharing_an_address_give_one_row_with_the_first_spelling(tmp_path: Path) -> None:
    write(
        tmp_path,
        "train/movies/users.csv",
        "USER_ID,E_MAIL\na,Pat.Smith@Example.com\nb,u9@example.com\nc,pat.smith@example.COM\nd,PAT.SMITH@EXAMPLE.COM\n",
    )
    store = LocalStorage(tmp_path)
    write(tmp_path, sc.members_key("ses/", "genres-action--job-1"), "USER_ID\na\n")  # a left, c joined
    write(tmp_path, EXPORT.key, "USER_ID\nc\nb\n")
    result = sc.build_contacts(store, EXPORT, "genres-action--job-1", [], max_rows=1)
    rows = rows_of(store, result.parts)
    assert sorted(r["emailAddress"] for r in rows) == ["Pat.Smith@Example.com", "u9@example.com"]
    assert {r["emailAddress"]: r["topicPreferences.genres-action--job-1"] for r in rows} == {
        "Pat.Smith@Example.com": "OPT_IN",  # a member shares it: subscribed, spelled as its first user (a) gave it
        "u9@example.com": "OPT_IN",
    }
    assert result.counts["shared_address"] == 2 and result.counts["subscribed"] == 2
    assert sorted(snapshot_ids(store, "genres-action--job-1")) == ["a", "b", "c"]


def _ids(*values: str) -> sc.CompactIdSet:
    ids = sc.CompactIdSet()
    for value in values:
        ids.add(value)
    return ids.freeze()


@pytest.mark.parametrize(
    "body",
    ["", "USERID\nu1\n", '{"json": true}\n', "USER_ID\nu1\n,extra\n"],
)
def test_malformed_exports_are_input_invalid(store: LocalStorage, tmp_path: Path, body: str) -> None:
    write(tmp_path, EXPORT.key, body)
    with pytest.raises(sc.InputInvalid):
        sc.build_contacts(store, EXPORT, "t", {})


def test_missing_users_dataset_is_input_invalid(tmp_path: Path) -> None:
    write(tmp_path, EXPORT.key, "USER_ID\nu1\n")
    with pytest.raises(sc.InputInvalid, match="no users dataset"):
        sc.build_contacts(LocalStorage(tmp_path), EXPORT, "t", {})


def test_export_header_check(store: LocalStorage, tmp_path: Path) -> None:
    sc.check_export_header(store, EXPORT.key)
    write(tmp_path, EXPORT.key, "\ufeffUSER_ID\r\nu1\r\n")
    sc.check_export_header(store, EXPORT.key)
    write(tmp_path, EXPORT.key, "Id\nu1\n")
    with pytest.raises(sc.InputInvalid):
        sc.check_export_header(store, EXPORT.key)


# ------------------------------------------------------------------------------------------------ topics
@pytest.fixture
def ses() -> Iterator[Any]:
    with mock_aws(), emulate(SesV2Emulator()):
        yield boto3.client("sesv2", region_name="us-east-1")


def export(name: str) -> sc.ExportObject:
    return sc.ExportObject("movies", "job-1", name, f"segments/movies/job-1/{name}.csv")


def test_ensure_topic_creates_the_list_then_reuses_the_topic(ses: Any) -> None:
    first = sc.ensure_topic(ses, "ct-segments", EXPORT, create_list=True)
    assert (first["list_created"], first["topic_created"], first["our_topics"]) == (True, True, [EXPORT.segment_name])
    again = sc.ensure_topic(ses, "ct-segments", EXPORT, create_list=True)
    assert (again["list_created"], again["topic_created"], again["replaced_topics"]) == (False, False, [])
    (topic,) = ses.get_contact_list(ContactListName="ct-segments")["Topics"]
    assert topic["DefaultSubscriptionStatus"] == "OPT_OUT" and sc.is_ours(topic)


def test_another_list_in_the_account_is_named_in_the_error(ses: Any) -> None:
    ses.create_contact_list(ContactListName="marketing")
    with pytest.raises(sc.ContactListConflict, match="marketing"):
        sc.ensure_topic(ses, "ct-segments", EXPORT, create_list=True)
    with pytest.raises(sc.ContactListConflict, match="does not exist"):
        sc.ensure_topic(ses, "ct-segments", EXPORT, create_list=False)
    sc.ensure_topic(ses, "marketing", EXPORT, create_list=False)  # the existing list, named by the operator
    assert [t["TopicName"] for t in ses.get_contact_list(ContactListName="marketing")["Topics"]] == [
        EXPORT.segment_name
    ]


def test_at_the_limit_the_oldest_of_ours_go_first(ses: Any) -> None:
    foreign = [{"TopicName": f"news-{i}", "DisplayName": "n", "DefaultSubscriptionStatus": "OPT_IN"} for i in range(18)]
    ses.create_contact_list(ContactListName="l", Topics=foreign)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    sc.ensure_topic(ses, "l", export("newer"), create_list=True, now=t0 + dt.timedelta(days=2))
    sc.ensure_topic(ses, "l", export("older"), create_list=True, now=t0)
    done = sc.ensure_topic(ses, "l", export("latest"), create_list=True, now=t0 + dt.timedelta(days=3))
    assert done["replaced_topics"] == ["older"]
    names = [t["TopicName"] for t in ses.get_contact_list(ContactListName="l")["Topics"]]
    assert len(names) == 20 and "older" not in names and {"newer", "latest"} <= set(names)


class LosingUpdates:
    """A client whose UpdateContactList is overwritten by a concurrent writer before we read the list back."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.exceptions = client.exceptions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def update_contact_list(self, **kwargs: Any) -> None:
        self._client.update_contact_list(**kwargs)
        self._client.update_contact_list(ContactListName=kwargs["ContactListName"], Topics=[])


def test_a_lost_concurrent_update_is_a_retryable_conflict(ses: Any) -> None:
    ses.create_contact_list(ContactListName="l")
    with pytest.raises(sc.TopicUpdateConflict):
        sc.ensure_topic(LosingUpdates(ses), "l", EXPORT, create_list=True)


# ------------------------------------------------------------------------------------------------ the list lock
def test_list_lock_is_exclusive_reentrant_and_expires() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="data-bucket")
        key = sc.lock_key("ses/", "ct-segments")
        sc.acquire_lock(s3, "data-bucket", key, "exec-1", 60, now=t0)
        sc.acquire_lock(s3, "data-bucket", key, "exec-1", 60, now=t0)  # a retried invocation of the holder
        with pytest.raises(sc.ListBusy, match="exec-1"):
            sc.acquire_lock(s3, "data-bucket", key, "exec-2", 60, now=t0 + dt.timedelta(seconds=30))
        assert sc.release_lock(s3, "data-bucket", key, "exec-2") is False  # not the holder: nothing happens
        sc.acquire_lock(s3, "data-bucket", key, "exec-2", 60, now=t0 + dt.timedelta(seconds=61))  # expired: taken over
        assert sc.release_lock(s3, "data-bucket", key, "exec-1") is False
        assert sc.release_lock(s3, "data-bucket", key, "exec-2") is True
        assert sc.release_lock(s3, "data-bucket", key, "exec-2") is False
        sc.acquire_lock(s3, "data-bucket", key, "exec-3", 60, now=t0)


def test_list_state_pages_through_what_the_list_holds(ses: Any) -> None:
    topics = [{"TopicName": t, "DisplayName": t, "DefaultSubscriptionStatus": "OPT_OUT"} for t in ("a", "b", "news")]
    ses.create_contact_list(ContactListName="l", Topics=topics)
    for i in range(5):
        ses.create_contact(
            ContactListName="l",
            EmailAddress=f"User{i}@Example.com",
            TopicPreferences=[
                {"TopicName": "a", "SubscriptionStatus": "OPT_OUT" if i % 2 else "OPT_IN"},
                {"TopicName": "news", "SubscriptionStatus": "OPT_IN"},
            ],
            UnsubscribeAll=i == 4,
        )
    state = sc.read_list_state(ses, "l", ["a", "b"], page_size=2)
    assert state.topics == {"a": "OPT_OUT", "b": "OPT_OUT", "news": "OPT_OUT"}
    assert len(state.unsubscribed_all) == 1 and "user4@example.com" in state.unsubscribed_all
    assert {f"user{i}@example.com" for i in range(5) if f"user{i}@example.com" in state.opted_out["a"]} == {
        "user1@example.com",
        "user3@example.com",
        "user4@example.com",  # unsubscribed from all: OPT_OUT everywhere
    }
    assert len(state.opted_out["b"]) == 1  # only the unsubscribed-from-all contact (no explicit preferences)
    assert set(state.opted_in) == {"news"} and len(state.opted_in["news"]) == 4  # foreign topics only
