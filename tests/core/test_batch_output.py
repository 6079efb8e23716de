"""Streaming parser of batch segment job output: shapes, bad lines, bounded memory on a 5M-id line."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from typing import ClassVar

import pytest

from contextual_targeting.core.batch_output import EMPTY, ERROR, MALFORMED, OK, LineStream, parse_stream


class ListSink:
    def __init__(self, store: dict, key: str) -> None:
        self.store, self.key, self.ids = store, key, []

    def write_batch(self, ids):
        self.ids.extend(ids)

    def close(self, ok):
        self.store[self.key] = (ok, self.ids)


def run(text: str):
    sinks: dict = {}
    results = list(
        parse_stream(io.BytesIO(text.encode()), lambda r: ListSink(sinks, f"{r.line}:{r.query}"), source="x.out")
    )
    return results, sinks


def line(obj) -> str:
    return json.dumps(obj) + "\n"


def test_attribute_affinity_shape_with_input_and_users_list():
    results, sinks = run(
        line(
            {
                "input": {"itemAttributes": 'ITEMS.genres = "Action"'},
                "output": {"usersList": ["3", "1", "2"]},
                "error": None,
            }
        )
    )
    [r] = results
    assert (r.status, r.users, r.query, r.query_type, r.source) == (
        OK,
        3,
        'ITEMS.genres = "Action"',
        "itemAttributes",
        "x.out",
    )
    assert sinks['1:ITEMS.genres = "Action"'] == (True, ["3", "1", "2"])  # rank order kept


def test_documented_shape_recommended_users():
    results, sinks = run(
        line({"itemAttributes": 'ITEMS.genres = "Comedy"', "output": {"recommendedUsers": ["a", "b"]}})
    )
    assert [(r.status, r.users) for r in results] == [(OK, 2)]
    assert sinks['1:ITEMS.genres = "Comedy"'][1] == ["a", "b"]


def test_item_affinity_line():
    results, _ = run(line({"input": {"itemId": "42"}, "output": {"usersList": ["u1"]}, "error": None}))
    assert (results[0].query, results[0].query_type, results[0].users) == ("42", "itemId", 1)


def test_users_before_query_are_spooled_and_replayed():
    results, sinks = run(line({"output": {"usersList": ["x", "y"]}, "input": {"itemAttributes": "ITEMS.a = 1"}}))
    assert results[0].status == OK
    assert sinks["1:ITEMS.a = 1"] == (True, ["x", "y"])


def test_error_line_is_recorded_and_other_lines_proceed():
    text = line({"input": {"itemAttributes": "ITEMS.a = 1"}, "output": None, "error": "Query failed"}) + line(
        {"input": {"itemAttributes": "ITEMS.b = 2"}, "output": {"usersList": ["1"]}, "error": None}
    )
    results, sinks = run(text)
    assert [(r.line, r.status, r.error) for r in results] == [(1, ERROR, "Query failed"), (2, OK, None)]

    assert list(sinks) == ["2:ITEMS.b = 2"]


def test_error_after_streamed_users_discards_the_output():
    results, sinks = run(
        line({"input": {"itemAttributes": "ITEMS.a = 1"}, "output": {"usersList": ["1"]}, "error": "late"})
    )
    assert results[0].status == ERROR and results[0].users == 0
    assert sinks["1:ITEMS.a = 1"] == (False, ["1"])  # closed with ok=False: the writer aborts, nothing published


def test_malformed_lines_resync_at_next_newline():
    text = (
        '{"input": {"itemAttributes": "ITEMS.a = 1"}, "output": {"usersList": ["1", "2"\n'  # truncated
        "not json at all\n"
        "[1, 2]\n"
        + line({"input": {"itemAttributes": "ITEMS.c = 3"}})  # no users list
        + line({"input": {"itemAttributes": "ITEMS.d = 4"}, "output": {"usersList": [{"id": 1}]}})
        + "\n   \n"  # blank lines are skipped, not reported
        + line({"input": {"itemAttributes": "ITEMS.b = 2"}, "output": {"usersList": ["9"]}, "error": None})
    )
    results, sinks = run(text)
    assert [r.status for r in results] == [MALFORMED] * 5 + [OK]
    assert results[-1].line == 8 and results[-1].users == 1
    assert "truncated" in results[0].error or "invalid JSON" in results[0].error
    assert "not a JSON object" in results[2].error
    assert "no output.usersList" in results[3].error
    assert "map where a user id" in results[4].error
    assert sinks["1:ITEMS.a = 1"][0] is False  # partial output of the truncated line discarded
    assert sinks["8:ITEMS.b = 2"] == (True, ["9"])


def test_empty_segment():
    results, sinks = run(line({"input": {"itemAttributes": "ITEMS.a = 1"}, "output": {"usersList": []}, "error": None}))
    assert (results[0].status, results[0].users) == (EMPTY, 0)
    assert sinks["1:ITEMS.a = 1"] == (True, [])


def test_numeric_ids_are_kept_as_strings():
    results, sinks = run(line({"input": {"itemAttributes": "ITEMS.a = 1"}, "output": {"usersList": ["1", 2, "3"]}}))
    assert sinks["1:ITEMS.a = 1"][1] == ["1", "2", "3"]
    assert results[0].users == 3


def test_line_reader_never_reads_past_the_newline():
    class Recorder(io.BytesIO):
        reads: ClassVar[list[int]] = []

        def read(self, size=-1):
            data = super().read(size)
            self.reads.append(len(data))
            return data

    raw = Recorder(b"abc\ndefgh\n")
    lines = LineStream(raw, chunk_size=3)
    got = []
    for part in lines:
        buf = b""
        while chunk := part.read(2):
            buf += chunk
        got.append(buf)
    assert got == [b"abc\n", b"defgh\n"]
    assert max(Recorder.reads) <= 3


@pytest.mark.slow
def test_five_million_id_line_streams_in_bounded_memory(tmp_path):
    """A 5M-id line (~60 MB) parsed in a fresh process: its peak RSS stays far below the line's size.

    Reading the line whole would hold >= 60 MB more, ``json.loads`` of it ~600 MB; streaming holds a few buffers.
    """
    path = tmp_path / "big.out"
    with open(path, "w") as f:
        f.write('{"input": {"itemAttributes": "ITEMS.genres = \\"Action\\""}, "output": {"usersList": [')
        f.write(",".join(f'"user-{i}"' for i in range(5_000_000)))
        f.write(']}, "error": null}\n')
    script = textwrap.dedent(
        """
        import json, os, sys
        from contextual_targeting.core.batch_output import parse_stream
        path = sys.argv[1]
        class Count:
            n = 0
            last = None
            def write_batch(self, ids):
                Count.n += len(ids); Count.last = ids[-1]
            def close(self, ok):
                pass
        def hwm():  # peak RSS of this process image (VmHWM; ru_maxrss would include the parent's before exec)
            for row in open("/proc/self/status"):
                if row.startswith("VmHWM:"):
                    return int(row.split()[1]) * 1024
        before = hwm()
        with open(path, "rb", buffering=0) as f:
            results = list(parse_stream(f, lambda r: Count()))
        peak = hwm()
        print(json.dumps({"users": results[0].users, "count": Count.n, "last": Count.last, "peak": peak,
                          "status": results[0].status, "size": os.path.getsize(path), "before": before}))
        """
    )
    out = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    print(report)
    assert report["status"] == OK
    assert report["users"] == report["count"] == 5_000_000
    assert report["last"] == "user-4999999"
    assert report["size"] > 50_000_000
    assert report["peak"] < 40 * 1024 * 1024, report  # whole process, interpreter included; the line is > 50 MB


def test_an_error_object_or_array_fails_the_line_with_its_text():
    """Issue 12: main took a line whose error is a JSON object or array for a good segment."""
    text = (
        line({"input": {"itemAttributes": "ITEMS.a = 1"}, "output": {"usersList": ["1"]}, "error": {"code": "E1"}})
        + line({"input": {"itemAttributes": "ITEMS.b = 2"}, "output": {"usersList": ["2"]}, "error": ["x", {"y": 1}]})
        + line({"input": {"itemAttributes": "ITEMS.c = 3"}, "error": {"message": "no output at all"}})
        + line({"input": {"itemAttributes": "ITEMS.d = 4"}, "output": {"usersList": ["4"]}, "error": None})
    )
    results, _ = run(text)
    assert [(r.status, r.users) for r in results] == [(ERROR, 0), (ERROR, 0), (ERROR, 0), (OK, 1)]
    assert [json.loads(r.error) for r in results[:3]] == [
        {"code": "E1"},
        ["x", {"y": 1}],
        {"message": "no output at all"},
    ]
