"""Safety of the archive file and its WARC files against concurrent creation, reused
file names and damage (issue #15 follow-ups): storage/schema.py, storage/opening.py,
storage/warc.py."""

from __future__ import annotations

import io
import logging
import multiprocessing
import sqlite3
from datetime import UTC, datetime

import pytest
from warcio.warcwriter import WARCWriter

from storage.archive import Archive, ArchiveError
from storage.schema import MIGRATIONS, SCHEMA_VERSION, statements
from storage.warc import (
    OPEN_SUFFIX,
    OpenWarc,
    WarcError,
    WarcPointer,
    gzip_member,
    read_record,
    recover_open_files,
    scan_members,
)

# -- two processes creating one new archive ------------------------------------------------


def _open_new(path: str, barrier, results) -> None:
    barrier.wait()  # every process opens the missing file at the same moment
    try:
        with Archive(path):
            pass
        results.put("ok")
    except ArchiveError as exc:
        results.put(str(exc))


def test_processes_creating_one_new_archive_at_once_all_open_it(tmp_path):
    context = multiprocessing.get_context("fork")
    for attempt in range(4):  # unguarded, nearly every attempt failed one process
        path = tmp_path / f"new-{attempt}.db"
        barrier, results = context.Barrier(4), context.Queue()
        workers = [
            context.Process(target=_open_new, args=(str(path), barrier, results)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)
        assert [results.get(timeout=5) for _ in workers] == ["ok"] * 4
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_migration_scripts_split_into_the_statements_executescript_runs(tmp_path):
    whole = sqlite3.connect(tmp_path / "whole.db", isolation_level=None)
    split = sqlite3.connect(tmp_path / "split.db", isolation_level=None)
    for migration in MIGRATIONS:
        if isinstance(migration, str):
            whole.executescript(migration)
            for statement in statements(migration):
                split.execute(statement)  # one statement each, or sqlite3 refuses it
        else:
            migration(whole)
            migration(split)
    schema = "SELECT type, name, sql FROM sqlite_master ORDER BY name"
    assert split.execute(schema).fetchall() == whole.execute(schema).fetchall()


# -- WARC file names -----------------------------------------------------------------------


def test_a_new_file_never_takes_the_name_of_a_file_gone_from_the_folder(tmp_path, monkeypatch):
    import storage.warc

    moment = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)

    class Frozen(datetime):  # every file of this test opens in the same second
        @classmethod
        def now(cls, tz=None):  # noqa: ANN206 - datetime's own signature
            return moment

    monkeypatch.setattr(storage.warc, "datetime", Frozen)
    names = []
    for _run in range(3):  # three runs (processes), each starting its serials at 0
        monkeypatch.setattr(storage.warc, "_next_serial", {})
        warc = OpenWarc(tmp_path, 0)
        warc.append(gzip_member(_record("https://example.com/a")))
        warc.close()
        names.append(warc.name)
        (tmp_path / warc.name).rename(tmp_path / "cold-storage")  # moved away
    assert len(set(names)) == 3
    assert all(name.startswith("warta-20261201120000-00000-") for name in names)


# -- torn tails and damage -------------------------------------------------------------------


def _record(url: str, body: bytes = b"<html>page</html>") -> object:
    writer = WARCWriter(io.BytesIO(), gzip=True, warc_version="1.1")
    return writer.create_warc_record(url, "resource", payload=io.BytesIO(body), length=len(body))


def _members(count: int) -> list[tuple[bytes, str]]:
    """(gzip member, record id) of `count` records with bodies that do not compress away."""
    made = []
    for n in range(count):
        record = _record(f"https://example.com/{n}", bytes(range(256)) * 40 + bytes([n]))
        made.append((gzip_member(record), record.rec_headers.get_header("WARC-Record-ID")))
    return made


def _pointer(name: str, members: list[tuple[bytes, str]], index: int) -> WarcPointer:
    offset = sum(len(data) for data, _ in members[:index])
    data, record_id = members[index]
    return WarcPointer(name, offset, len(data), record_id, "sha1:unused")


def test_a_tear_at_the_tail_keeps_every_complete_record(tmp_path):
    members = _members(4)
    whole = b"".join(data for data, _ in members)
    name = "warta-20260101000000-00000-host~t.warc.gz"
    (tmp_path / (name + OPEN_SUFFIX)).write_bytes(whole + members[0][0][:-9])
    assert recover_open_files(tmp_path) == [(name, len(members[0][0]) - 9)]
    assert (tmp_path / name).read_bytes() == whole
    assert scan_members(tmp_path / name).damaged == ()
    for index in range(4):
        read_record(tmp_path, _pointer(name, members, index))


def test_damage_amid_complete_records_is_reported_and_cuts_nothing_after_it(tmp_path, caplog):
    members = _members(4)
    name = "warta-20260101000000-00000-host~t.warc.gz"
    second = bytearray(members[1][0])
    second[len(second) // 2] ^= 0xFF  # a bit flip inside the second record
    data = members[0][0] + bytes(second) + members[2][0] + members[3][0]
    (tmp_path / (name + OPEN_SUFFIX)).write_bytes(data + members[3][0][:40])  # and a torn tail
    with caplog.at_level(logging.WARNING, logger="storage.warc"):
        assert recover_open_files(tmp_path) == [(name, 40)]
    assert (tmp_path / name).read_bytes() == data  # only the torn tail was cut
    start, end = len(members[0][0]), len(members[0][0]) + len(second)
    assert scan_members(tmp_path / name).damaged == ((start, end),)
    assert f"bytes {start}-{end} are damaged" in caplog.text and name in caplog.text
    for index in (0, 2, 3):  # the records after the damage still read
        read_record(tmp_path, _pointer(name, members, index))
    with pytest.raises(WarcError):  # the damaged one says so when read
        read_record(tmp_path, _pointer(name, members, 1))


def test_a_file_of_garbage_is_cut_to_nothing_and_an_empty_one_is_left(tmp_path):
    (tmp_path / "warta-a.warc.gz.open").write_bytes(b"\x1f\x8b\x08 not a member at all")
    (tmp_path / "warta-b.warc.gz.open").write_bytes(b"")
    assert sorted(recover_open_files(tmp_path)) == [("warta-a.warc.gz", 23), ("warta-b.warc.gz", 0)]
    assert (tmp_path / "warta-a.warc.gz").read_bytes() == b""
    assert (tmp_path / "warta-b.warc.gz").read_bytes() == b""
