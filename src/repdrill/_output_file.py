"""Writing a file the user named with ``--output``: whole or not at all, never over a non-file.

Every command that writes a file (``report -o``, ``deck export -o``, ``deck
import -o``, ``db backup``) goes through here, so they share three promises:

- **Whole or not at all.** The content goes to a temporary file beside the
  target, is flushed to disk, and is then renamed over it: a reader, or a
  command killed half-way, sees the old file or the new one, never half of
  one. The temporary file is removed on any failure.
- **``--force`` replaces regular files only.** A directory, a FIFO, a device
  (``/dev/null``, ``/dev/stdout``), a socket or a symbolic link is never
  replaced: renaming over ``/dev/null`` as root would replace the system's.
  To write to standard output, leave ``--output`` out.
- **No ``--force``, no overwrite, even of a file created meanwhile.** The
  existence check runs before a build that may take seconds, and again at
  the end: without ``--force`` the new file is hard-linked into place, which
  fails if anything has appeared there since.

Failures (a directory that cannot be written, a full disk, a name too long)
are one line, :class:`~repdrill.errors.RepdrillError`, naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from repdrill.errors import RepdrillError

__all__ = ["check_output", "write_output"]


def check_output(path: Path, *, force: bool) -> None:
    """Refuse ``path`` now, before any work, if it cannot be written.

    :func:`write_output` checks again at the end; this is so that a report
    that takes seconds to build is not built for nothing.
    """
    _check_target(path, force=force)
    directory = _directory(path)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise RepdrillError(
            f"cannot write {path}: you cannot write in {directory}; nothing was written"
        )


def write_output(
    path: Path, write: Callable[[str], None], *, force: bool, private: bool = False
) -> None:
    """Have ``write(temporary_path)`` write the content, then put it at ``path``.

    Without ``force``, fails if ``path`` exists, however late it appeared.
    ``private`` keeps the file readable by its owner alone (a backup holds
    typed answers); otherwise it gets the usual permissions (the umask's).
    """
    _check_target(path, force=force)
    directory = _directory(path)
    try:
        # A short name of our own: the target's name may already be near the limit.
        handle, tmp = tempfile.mkstemp(prefix=".repdrill-", suffix=".tmp", dir=directory)
    except OSError as error:
        raise _cannot_write(path, error) from None
    os.close(handle)
    try:
        try:
            write(tmp)
            _sync(tmp)
            if not private:
                # mkstemp makes the file private; an output gets the usual permissions.
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
            if force:
                _check_target(path, force=True)
                os.replace(tmp, path)
            else:
                _link_new(tmp, path)
        except OSError as error:
            raise _cannot_write(path, error) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    _sync_directory(directory)


def _check_target(path: Path, *, force: bool) -> None:
    if str(path) in ("", "."):
        raise RepdrillError("--output needs a file name")
    try:
        found = path.lstat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise _cannot_write(path, error) from None
    if stat.S_ISDIR(found.st_mode):
        raise RepdrillError(f"{path} is a directory: give a file name to write")
    if not stat.S_ISREG(found.st_mode):
        raise RepdrillError(
            f"{path} is {_kind(found.st_mode)}, not a regular file: repdrill writes "
            "regular files only (leave out --output to write to standard output)"
        )
    if not force:
        raise RepdrillError(f"{path} exists; use --force to overwrite it")


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _directory(path: Path) -> Path:
    directory = path.absolute().parent
    if not directory.is_dir():
        raise RepdrillError(f"cannot write {path}: {directory} is not a directory")
    return directory


def _link_new(tmp: str, path: Path) -> None:
    """Put ``tmp`` at ``path`` only if nothing is there (``link`` fails on an existing name)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise RepdrillError(f"{path} exists; use --force to overwrite it") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links: claim the name, then rename over our claim.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise RepdrillError(f"{path} exists; use --force to overwrite it") from None
        os.replace(tmp, path)


def _cannot_write(path: Path, error: OSError) -> RepdrillError:
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        reason = "no space left on the device"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    return RepdrillError(f"cannot write {path}: {reason.lower()}; nothing was written")


def _sync(name: str) -> None:
    fd = os.open(name, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the directory); best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
