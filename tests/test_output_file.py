"""Files named with --output: whole or not at all, regular files only (repdrill._output_file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DECKS, Cli, fill, tmpfs
from repdrill._output_file import write_output
from repdrill.errors import RepdrillError


@pytest.fixture
def loaded(plain_cli: Cli) -> Cli:
    assert plain_cli("load", str(DECKS)).exit_code == 0
    assert plain_cli("review", "price-too-high", "--grade", "4").exit_code == 0
    return plain_cli


def one_line_error(result: object, *words: str) -> None:
    assert getattr(result, "exit_code", None) == 1, getattr(result, "output", result)
    err = result.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err


def test_force_never_replaces_a_fifo(loaded: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    result = loaded("report", "--format", "html", "-o", str(fifo), "--force")
    one_line_error(result, "is a FIFO, not a regular file", "leave out --output")
    assert fifo.is_fifo()


def test_force_never_replaces_a_symbolic_link(loaded: Cli, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("theirs")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    result = loaded("report", "--format", "json", "-o", str(link), "--force")
    one_line_error(result, "is a symbolic link")
    assert link.is_symlink() and target.read_text() == "theirs"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout"])
def test_devices_are_refused_with_and_without_force(loaded: Cli, device: str) -> None:
    before = os.stat("/dev/null")
    for force in ([], ["--force"]):
        result = loaded("report", "--format", "json", "-o", device, *force)
        one_line_error(result, "not a regular file")
    after = os.stat("/dev/null")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_directory_an_empty_name_and_a_long_name(loaded: Cli, tmp_path: Path) -> None:
    as_dir = loaded("report", "--format", "md", "-o", str(tmp_path))
    assert as_dir.exit_code == 2 and "is a directory" in as_dir.stderr  # a usage error
    one_line_error(loaded("report", "--format", "md", "-o", ""), "--output needs a file name")
    long = tmp_path / ("r" * 300 + ".md")
    one_line_error(loaded("report", "--format", "md", "-o", str(long)), "file name too long")
    missing = tmp_path / "no" / "such" / "dir" / "r.md"
    one_line_error(loaded("report", "--format", "md", "-o", str(missing)), "is not a directory")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_name_near_the_limit_is_written(loaded: Cli, tmp_path: Path) -> None:
    near = tmp_path / ("r" * 250 + ".md")  # 253 bytes: a temporary name must not be longer
    result = loaded("report", "--format", "md", "-o", str(near))
    assert result.exit_code == 0, result.output
    assert near.read_text().startswith("# Mastery report")


def test_an_unwritable_directory(loaded: Cli, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # Root writes anywhere the mode bits say no; a read-only mount stops it.
        with tmpfs(tmp_path / "ro", "ro,size=64k") as locked:
            result = loaded("report", "--format", "md", "-o", str(locked / "r.md"))
        one_line_error(result, "you cannot write in", "nothing was written")
        return
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    one_line_error(
        loaded("report", "--format", "md", "-o", str(locked / "r.md")), "you cannot write in"
    )


def test_without_force_a_file_that_appears_meanwhile_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "report.md"

    def slow_build(tmp: str) -> None:
        Path(tmp).write_text("ours")
        path.write_text("someone else's")  # created while the report was being built

    with pytest.raises(RepdrillError, match="exists; use --force"):
        write_output(path, slow_build, force=False)
    assert path.read_text() == "someone else's"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_with_force_a_fifo_that_appears_meanwhile_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "report.md"

    def slow_build(tmp: str) -> None:
        Path(tmp).write_text("ours")
        os.mkfifo(path)

    with pytest.raises(RepdrillError, match="FIFO"):
        write_output(path, slow_build, force=True)
    assert path.is_fifo()


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    path.write_text("previous")

    def failing(tmp: str) -> None:
        Path(tmp).write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(RepdrillError, match="no space left on the device; nothing was written"):
        write_output(path, failing, force=True)
    assert path.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_outputs_get_the_usual_permissions_and_backups_stay_private(
    loaded: Cli, tmp_path: Path
) -> None:
    old = os.umask(0o022)
    try:
        report = tmp_path / "r.md"
        assert loaded("report", "--format", "md", "-o", str(report)).exit_code == 0
        backup = tmp_path / "b.db"
        assert loaded("db", "backup", str(backup)).exit_code == 0
    finally:
        os.umask(old)
    assert report.stat().st_mode & 0o777 == 0o644
    assert backup.stat().st_mode & 0o777 == 0o600


def test_report_onto_a_full_disk(loaded: Cli, tiny_disk: Path) -> None:
    previous = tiny_disk / "report.html"
    previous.write_text("last week's")
    fill(tiny_disk)
    result = loaded("report", "--format", "html", "-o", str(previous), "--force")
    one_line_error(result, "no space left on the device", "nothing was written")
    assert previous.read_text() == "last week's"
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "report.html"]


def test_writing_to_standard_output_still_works(loaded: Cli) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "repdrill", "report", "--format", "json"],
        env={**os.environ, **loaded.env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("{")
