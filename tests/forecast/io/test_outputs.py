"""forecast/io/outputs.py: an output folder replaced whole, the user's files kept, errors named, concurrent runs apart."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from forecast.io import outputs
from forecast.io.outputs import OutputError, recover_folder, write_folder

KNOWN = ("a.csv", "b.csv", "c.ics")


def writer(text: str):
    return lambda path: Path(path).write_text(text)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_the_folder_holds_exactly_the_runs_outputs_and_the_users_own_files(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": writer("old a"), "b.csv": writer("old b")}, known=KNOWN)
    (out / "notes.txt").write_text("mine")
    (out / "archive").mkdir()
    (out / "archive" / "a.csv").write_text("my copy")
    written = write_folder(out, {"a.csv": writer("new a")}, known=KNOWN)
    assert written == [out.resolve() / "a.csv"]
    assert snapshot(out) == {"a.csv": b"new a", "notes.txt": b"mine", "archive/a.csv": b"my copy"}  # stale b.csv gone
    assert leftovers(out) == []


def test_kept_outputs_stay(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": writer("a"), "b.csv": writer("old b"), "c.ics": writer("old c")}, known=KNOWN)
    write_folder(out, {"b.csv": writer("new b")}, known=KNOWN, keep=("a.csv",))
    assert snapshot(out) == {"a.csv": b"a", "b.csv": b"new b"}


def test_a_missing_folder_and_its_parents_are_created_with_the_usual_mode(tmp_path):
    out = tmp_path / "x" / "y" / "out"
    write_folder(out, {"a.csv": writer("a")}, known=KNOWN)
    mask = os.umask(0)
    os.umask(mask)
    assert snapshot(out) == {"a.csv": b"a"} and out.stat().st_mode & 0o777 == 0o777 & ~mask


def test_a_symlinked_folder_is_written_through_its_link(tmp_path):
    real = tmp_path / "real"
    write_folder(real, {"a.csv": writer("old")}, known=KNOWN)
    link = tmp_path / "link"
    link.symlink_to(real)
    write_folder(link, {"a.csv": writer("new")}, known=KNOWN)
    assert link.is_symlink() and snapshot(real) == {"a.csv": b"new"}


def test_out_being_a_file_is_refused(tmp_path):
    out = tmp_path / "out"
    out.write_text("a file")
    with pytest.raises(OutputError, match="is a file") as err:
        write_folder(out, {"a.csv": writer("a")}, known=KNOWN)
    assert err.value.path == str(out) and out.read_text() == "a file"


def test_an_output_name_that_is_a_folder_is_refused_and_nothing_changes(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": writer("old a"), "b.csv": writer("old b")}, known=KNOWN)
    (out / "c.ics").mkdir()
    (out / "c.ics" / "x").write_text("x")
    before = snapshot(out)
    with pytest.raises(OutputError, match="is a folder") as err:
        write_folder(out, {"a.csv": writer("new a"), "c.ics": writer("new c")}, known=KNOWN)
    assert err.value.path == str(out / "c.ics")
    assert snapshot(out) == before and leftovers(out) == []


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES])
def test_an_os_error_while_writing_names_the_file_and_keeps_the_previous_outputs(tmp_path, code):
    out = tmp_path / "out"
    write_folder(out, {"a.csv": writer("old a"), "b.csv": writer("old b")}, known=KNOWN)
    before = snapshot(out)

    def fail(path):
        raise OSError(code, os.strerror(code), str(path))

    with pytest.raises(OutputError, match=os.strerror(code)) as err:
        write_folder(out, {"a.csv": writer("new a"), "b.csv": fail}, known=KNOWN)
    assert err.value.path == str(out / "b.csv")
    assert snapshot(out) == before and leftovers(out) == []


def test_the_current_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    for out in (Path("."), tmp_path):
        with pytest.raises(OutputError, match="current folder"):
            write_folder(out, {"a.csv": writer("a")}, known=KNOWN)


def test_a_run_killed_between_the_two_renames_is_recovered(tmp_path, monkeypatch):
    """Without the atomic exchange the old folder is renamed aside first; the next run puts it back."""
    monkeypatch.setattr(outputs, "_renameat2", None)
    out = tmp_path / "out"
    write_folder(out, {"a.csv": writer("old a"), "b.csv": writer("old b")}, known=KNOWN)
    before = snapshot(out)
    real_rename = os.rename

    def die_after_the_first(src, dst):
        real_rename(src, dst)
        if Path(dst).name.startswith(".out.old-"):
            raise KeyboardInterrupt  # the process dies here: the old set is aside, the new one not yet in
    monkeypatch.setattr(os, "rename", die_after_the_first)
    with pytest.raises(KeyboardInterrupt):
        write_folder(out, {"a.csv": writer("new a")}, known=KNOWN)
    monkeypatch.setattr(os, "rename", real_rename)
    assert not out.exists() and [n for n in leftovers(out) if ".old-" in n]
    recover_folder(out)
    assert snapshot(out) == before and leftovers(out) == []


def test_a_temporary_folder_of_a_run_that_died_is_removed_but_not_a_live_ones(tmp_path):
    out = tmp_path / "out"
    dead = tmp_path / ".out.new-abcdefgh"
    dead.mkdir()
    (dead / "a.csv").write_text("half")
    live = tmp_path / ".out.new-live0000"
    live.mkdir()
    with outputs._locked(live):
        write_folder(out, {"a.csv": writer("a")}, known=KNOWN)
        assert not dead.exists() and live.exists()
    recover_folder(out)
    assert not live.exists() and snapshot(out) == {"a.csv": b"a"}


def test_concurrent_runs_into_one_folder_each_leave_a_complete_set(tmp_path):
    out = tmp_path / "out"
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        def slow(path, text=f"run {i} " * 20000):
            barrier.wait(timeout=30)  # every run is writing its files at the same time
            Path(path).write_text(text)
        try:
            for _ in range(3):
                write_folder(out, {"a.csv": slow, "b.csv": writer(f"run {i} b")}, known=KNOWN)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    files = snapshot(out)
    i = int(files["b.csv"].split()[1])
    assert files == {"a.csv": (f"run {i} " * 20000).encode(), "b.csv": f"run {i} b".encode()}
    assert leftovers(out) == []
