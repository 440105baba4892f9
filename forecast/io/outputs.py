"""An output folder replaced whole: a run's files appear together or not at all.

:func:`write_folder` writes a run's files into a fresh temporary folder beside the
output folder (``.NAME.new-XXXXXXXX``, a unique name per run), carries over what the
run keeps from the folder as it was, and swaps the new folder in:

* on Linux by one atomic exchange of the two folders (``renameat2`` with
  ``RENAME_EXCHANGE``), so the output folder always holds one complete set;
* elsewhere (or on a file system without the exchange) by renaming the old folder
  aside (``.NAME.old-XXXXXXXX``) and the new one into place. A crash between the two
  renames leaves no output folder but the complete old set beside it:
  :func:`recover_folder` (run before every write and by :func:`check_folder`) puts it
  back, or removes it when the new set did arrive.

What the new folder holds: the run's files; the entries of the old folder named in
``keep`` (the outputs of earlier stages that are still consistent); and every entry that
is not a known output (``known``): files and folders the user put there are kept, linked
into the new folder (hard links, copies where links are impossible). A known output the
run neither writes nor keeps is gone: it belonged to another run.

Runs into one folder never share a temporary folder; the swap itself (and the recovery)
holds an exclusive lock on the parent folder, so two runs into one folder each leave a
complete set, the last to finish winning. A temporary folder is locked by its run while
it is written; one that is not locked belonged to a run that died and is removed.

Every operating-system error (permission denied, disk full, a path that is a file, a
file name that is a folder) is raised as :class:`OutputError` naming the path, with the
previous outputs intact.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from forecast.io.files import current_umask

try:  # POSIX only; elsewhere the swap is not locked against concurrent runs
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

#: A writer of one output file: called with the path to write.
Writer = Callable[[Path], object]


class OutputError(Exception):
    """An output could not be written (the path and the operating system's reason); nothing was written."""

    def __init__(self, path: str | Path, message: str):
        self.path = str(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


# --------------------------------------------------------------------------- #
# The swap
# --------------------------------------------------------------------------- #

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _load_renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


#: ``renameat2`` of the C library (Linux), or None: then the rename-aside swap is used.
_renameat2 = _load_renameat2()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False when the system cannot (then nothing changed)."""
    if _renameat2 is None:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` in place of ``out``; the old folder is removed."""
    if not out.exists():
        os.rename(new, out)
        return
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # now the old set
        return
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    os.rename(out, old)
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- #
# Locks and leftovers
# --------------------------------------------------------------------------- #


def _leftovers(out: Path, kind: str) -> list[Path]:
    """The temporary (``new``) or set-aside (``old``) folders of ``out`` beside it."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.{kind}-[A-Za-z0-9_]{{8}}")
    try:
        return sorted(p for p in out.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir() and not p.is_symlink())
    except OSError:
        return []


@contextmanager
def _locked(folder: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``folder`` (yields False when ``wait`` is off and another process holds it)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        yield True
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _recover(out: Path) -> None:
    """Restore or remove what a run that died left beside ``out`` (the caller holds the parent's lock)."""
    olds = _leftovers(out, "old")
    if olds and not out.exists():
        os.rename(olds[-1], out)  # died between the two renames: the old set comes back
        olds = olds[:-1]
    for old in olds:  # the new set arrived; the old one is garbage
        shutil.rmtree(old, ignore_errors=True)
    for new in _leftovers(out, "new"):
        with _locked(new, wait=False) as free:
            if free:  # its run is gone
                shutil.rmtree(new, ignore_errors=True)


def recover_folder(out: str | Path) -> None:
    """Put an output folder back in order after a run that died while swapping it in (see the module's docstring)."""
    out = _target(out)
    if not out.parent.is_dir():
        return
    try:
        with _locked(out.parent):
            _recover(out)
    except OSError as exc:
        raise OutputError(out, f"cannot tidy the folder after an interrupted run: {_reason(exc)}") from None


# --------------------------------------------------------------------------- #
# Checks
# --------------------------------------------------------------------------- #


def _target(out: str | Path) -> Path:
    out = Path(out).expanduser()
    return Path(os.path.realpath(out)) if out.is_symlink() else Path(os.path.abspath(out))


def _check_entries(out: Path, names: Collection[str]) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(out, "is a file; the outputs go into a folder: name a folder (it is created if missing)")
    if out.parent == out:
        raise OutputError(out, "is the root of the file system; name a folder of its own for the outputs")
    cwd = Path.cwd().resolve()
    if out == cwd or out in cwd.parents:
        raise OutputError(out, "is the current folder (or holds it); the outputs replace their folder whole: name a folder of their own")
    for name in names:
        p = out / name
        if (p.exists() or p.is_symlink()) and not p.is_file():
            raise OutputError(p, "is a folder (or not a regular file), and this run writes a file of that name: move it or choose another --out")
    ancestor = out.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(ancestor, "is a file, so the output folder cannot be created under it")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(ancestor, "permission denied: the output folder is replaced whole, so the folder holding it must be writable")


def check_folder(out: str | Path, names: Collection[str]) -> None:
    """Check, before a run, that its files ``names`` can be written into ``out`` (and tidy after an interrupted run).

    Raises
    ------
    OutputError
        ``out`` is a file, the current folder or one holding it; one of ``names`` in it is a folder;
        the folder cannot be created or written.
    """
    out = _target(out)
    _check_entries(out, names)
    recover_folder(out)


# --------------------------------------------------------------------------- #
# Writing
# --------------------------------------------------------------------------- #


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _carry(src: Path, dst: Path) -> None:
    """Put the entry ``src`` of the old folder into the new one, sharing its data where the system allows."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy)
    else:
        _link_or_copy(str(src), str(dst))


def _folder_mode(out: Path) -> int:
    if out.is_dir():
        return out.stat().st_mode & 0o7777
    return 0o777 & ~current_umask()


def write_folder(
    out: str | Path,
    files: Mapping[str, Writer],
    *,
    known: Collection[str],
    keep: Collection[str] = (),
) -> list[Path]:
    """Write ``files`` (name -> writer of that file) into the folder ``out`` as one set, swapped in whole.

    Parameters
    ----------
    out
        The output folder; created if missing (with its parents). A symbolic link is followed.
    files
        The run's files: each writer is called with the path to write, inside the temporary folder.
    known
        Every name the program writes into such a folder: an entry of the old folder with one of these
        names is removed unless it is written or kept; every other entry is the user's and is kept.
    keep
        Known outputs of the old folder that stay (an earlier stage's, still consistent with this run).

    Returns
    -------
    list of Path
        The files written, in the order of ``files``, at their place in ``out``.

    Raises
    ------
    OutputError
        The folder or one of the files cannot be written; the folder is as it was.
    """
    out = _target(out)
    _check_entries(out, files)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(out.parent, f"cannot create the folder: {_reason(exc)}") from None
    try:
        with _locked(out.parent):
            _recover(out)
            new = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
            fd = os.open(new, os.O_RDONLY)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        raise OutputError(out.parent, f"cannot write here: {_reason(exc)}") from None
    try:
        try:
            for name, write in files.items():
                write(new / name)
        except OSError as exc:
            raise OutputError(out / name, f"cannot be written: {_reason(exc)}") from None
        try:
            with _locked(out.parent):
                _recover(out)
                _check_entries(out, files)
                if out.is_dir():
                    for entry in sorted(out.iterdir()):
                        if entry.name in files or (entry.name in known and entry.name not in keep):
                            continue
                        _carry(entry, new / entry.name)
                os.chmod(new, _folder_mode(out))
                _swap(new, out)
        except OSError as exc:
            raise OutputError(out, f"cannot replace the folder: {_reason(exc)}") from None
    finally:
        os.close(fd)
        if new.exists():
            shutil.rmtree(new, ignore_errors=True)
    return [out / name for name in files]
