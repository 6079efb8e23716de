"""Every id Personalize can return (1–256 characters, any printable Unicode, commas, quotes, CR, LF) survives every
file the workflows write and read, byte for byte: split → export/chunks → resolve → Pinpoint parts, and the SES
join. Empty ids are rejected with a count; duplicates are dropped after their first (highest-ranked) occurrence."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from contextual_targeting.core import ses_contacts as sc
from contextual_targeting.core.endpoints import read_user_ids
from contextual_targeting.core.pinpoint_segments import chunk_export, resolve_chunk
from contextual_targeting.core.segments import SplitConfig, encode_csv_rows, finalize, split_job_output
from contextual_targeting.core.storage import LocalStorage

HOSTILE = [
    "1",
    " 1",  # another user than "1": never stripped
    "1 ",
    "a,b",
    'say "hi"',
    '"',
    '""',
    ",",
    "cr\rid",  # main read this back as two ids ("cr", "id")
    "id",  # … and "id" is a real user too
    "lf\nid",
    "crlf\r\nid",
    "\r",
    "tab\tid",
    "=SUM(A1)",  # formula-like: kept exact (README: spreadsheets)
    "+49 30",
    "-1",
    "@home",
    "ü日本語",
    "emoji 😀",
    "\ufeffbom-first",
    "x" * 256,
    "back\\slash",
    "semi;colon",
]


def read_csv_column(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row[0] for row in csv.reader(handle)]


def job_output(users: list[str]) -> bytes:
    line = {"input": {"itemAttributes": 'ITEMS.genres = "Action"'}, "output": {"usersList": users}, "error": None}
    return (json.dumps(line) + "\n").encode()


def split(tmp_path: Path, users: list[str]) -> tuple[LocalStorage, SplitConfig, dict]:
    storage = LocalStorage(tmp_path / "out")
    config = SplitConfig(job_name="job-1", dataset_group="dg", execution="run-1")
    data = job_output(users)
    split_job_output([("job.out", lambda: io.BytesIO(data))], storage, config)
    return storage, config, storage.get_json(config.report_key)


def test_encode_csv_rows_round_trips_every_hostile_id():
    for ids in (HOSTILE, [i for i in HOSTILE if "\r" not in i and "\n" not in i], ["plain", "cr\ronly"]):
        text = encode_csv_rows(ids).decode("utf-8")
        assert [row[0] for row in csv.reader(io.StringIO(text, newline=""))] == ids


def test_split_chunk_resolve_and_import_files_keep_every_id_exact(tmp_path: Path):
    storage, _, report = split(tmp_path, HOSTILE)
    [record] = report["segments"]
    assert record["users"] == len(HOSTILE)
    export = read_csv_column(storage.root / record["export_key"])
    assert export == ["USER_ID", *HOSTILE]

    chunked: list[str] = []
    endpoint_of = {user: f"ep-{n}" for n, user in enumerate(HOSTILE)}
    import_storage = LocalStorage(tmp_path / "import")
    resolution = chunk_export(storage, record["export_key"], execution="run-1", chunk_size=5)
    assert resolution["chunks"] == -(-len(HOSTILE) // 5)
    for item in storage.get_json(resolution["manifest_key"]):
        with storage.open_read(item["chunk_key"]) as stream:
            chunked += list(read_user_ids(stream))
        stats = resolve_chunk(item, storage, import_storage, lambda u: [endpoint_of[u]], concurrency=1)
        assert stats["users_unresolved"] == 0  # every id found its own endpoint: none was split or merged
    assert chunked == HOSTILE
    parts = sorted((import_storage.root / "pinpoint" / "segments" / record["segment_name"]).glob("part-*.csv"))
    endpoints = [e for part in parts for e in read_csv_column(part)[1:]]
    assert endpoints == [endpoint_of[u] for u in HOSTILE]


def test_empty_ids_are_rejected_and_duplicates_dropped_after_the_first_with_counts(tmp_path: Path):
    users = ["a", "b", "", "a", "c", "", "b", "cr\rid", "cr\rid", "cr"]
    storage, config, report = split(tmp_path, users)
    [record] = report["segments"]
    assert read_csv_column(storage.root / record["export_key"]) == ["USER_ID", "a", "b", "c", "cr\rid", "cr"]
    assert (record["users"], record["duplicate_ids"], record["empty_ids"]) == (5, 3, 2)
    summary = finalize(storage, report, config)
    assert summary["segments"][0]["users"] == 5
    totals = summary["totals"]
    assert (totals["users"], totals["duplicate_ids"], totals["empty_ids"]) == (5, 3, 2)


def test_ses_join_keeps_hostile_ids_exact(tmp_path: Path):
    members = [u for n, u in enumerate(HOSTILE) if n % 2 == 0]
    storage = LocalStorage(tmp_path)
    users = io.StringIO(newline="")
    writer = csv.writer(users, lineterminator="\r\n")  # a spreadsheet's CSV: CRLF rows, quoted fields
    writer.writerow(["USER_ID", "E_MAIL"])
    for n, user in enumerate(HOSTILE):
        writer.writerow([user, f"user{n}@example.com"])
    (tmp_path / "train" / "dg").mkdir(parents=True)
    (tmp_path / "train" / "dg" / "users.csv").write_bytes(users.getvalue().encode("utf-8"))
    export = sc.ExportObject("dg", "job-1", "topic-a", "segments/dg/job-1/topic-a.csv")
    (tmp_path / "segments" / "dg" / "job-1").mkdir(parents=True)
    (tmp_path / export.key).write_bytes(b"USER_ID\n" + encode_csv_rows(members))
    result = sc.build_contacts(storage, export, "topic-a", {})
    rows = [row for part in result.parts for row in csv.DictReader(io.StringIO((tmp_path / part["key"]).read_text()))]
    subscribed = sorted(r["emailAddress"] for r in rows if r["topicPreferences.topic-a"] == "OPT_IN")
    assert subscribed == sorted(f"user{n}@example.com" for n in range(0, len(HOSTILE), 2))
    assert result.counts["subscribed"] == len(members) and result.counts["not_in_users_dataset"] == 0
