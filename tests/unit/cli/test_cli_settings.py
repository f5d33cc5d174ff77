"""A setting an operator got wrong ends the command with one line naming the variable, never a traceback,
and never echoes a password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matchmaker.cli import app
from matchmaker.settings import Settings


def _run(monkeypatch: pytest.MonkeyPatch, home: Path, **env: str) -> tuple[int, str]:
    monkeypatch.setenv("MATCHMAKER_HOME", str(home))
    for name, value in env.items():
        monkeypatch.setenv(f"MATCHMAKER_{name}", value)
    result = CliRunner().invoke(app, ["list", "cities"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MAX_TOP": "-1"}, "MATCHMAKER_MAX_TOP='-1': must be 10 or more"),
        # Below the default top a query without one would be refused.
        ({"MAX_TOP": "7"}, "MATCHMAKER_MAX_TOP='7': must be 10 or more"),
        ({"SMTP_PORT": "abc"}, "MATCHMAKER_SMTP_PORT='abc': must be a whole number such as 10"),
        ({"RATE_LIMIT_PER_MINUTE": "0"}, "MATCHMAKER_RATE_LIMIT_PER_MINUTE='0'"),
        ({"PUBLIC_URL": "example.org"}, "MATCHMAKER_PUBLIC_URL='example.org': must start with http://"),
        (
            {"DATABASE_URL": "postgresql://garbage:::"},
            "MATCHMAKER_DATABASE_URL: not a database URL; write sqlite:///PATH or postgresql+psycopg://",
        ),
        (
            {"DATABASE_URL": "postgresql+asyncpg://ops:s3cret@db/mm"},
            "MATCHMAKER_DATABASE_URL: the driver 'asyncpg' is not supported; write postgresql+psycopg://",
        ),
        (
            {"DATABASE_URL": "postgresql+psycopg://ops:s3cret@127.0.0.1:5432/"},
            "MATCHMAKER_DATABASE_URL: names no database; write postgresql+psycopg://USER@HOST:PORT/DATABASE",
        ),
        (
            {"SECRET_KEY": "s3cret"},
            "MATCHMAKER_SECRET_KEY: is 6 characters long; a key of at least 32 random characters is needed",
        ),
        (
            {"DATABASE_URL": "mysql://ops:s3cret@db/mm"},
            "MATCHMAKER_DATABASE_URL: must be a sqlite:// or postgresql+psycopg:// URL, got 'mysql://ops:***@db/mm'",
        ),
    ],
)
def test_a_wrong_setting_is_named_on_one_line(
    env: dict[str, str], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _run(monkeypatch, tmp_path, **env)
    assert code == 2
    assert output.strip().splitlines() == [output.strip()]
    assert output.startswith("error: invalid settings: ")
    assert "(got " not in output, "the value given is named once, before the reason"
    assert expected in output
    assert "s3cret" not in output


def test_every_wrong_setting_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _run(monkeypatch, tmp_path, MAX_TOP="0", LOG_LEVEL="verbose")
    assert code == 2
    assert "MATCHMAKER_MAX_TOP='0'" in output
    assert "MATCHMAKER_LOG_LEVEL='verbose'" in output


def test_a_home_that_is_a_file_is_refused_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.write_text("not a directory", encoding="utf-8")
    code, output = _run(monkeypatch, home)
    assert (code, output) == (
        2,
        f"error: MATCHMAKER_HOME cannot be used: {home} is a file, not a directory\n",
    )


def test_a_home_that_cannot_be_created_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    code, output = _run(monkeypatch, blocker / "home")
    assert code == 2
    assert output.startswith(f"error: MATCHMAKER_HOME cannot be used: {blocker / 'home'} cannot be created (")
    assert "Traceback" not in output


def test_a_shared_dir_that_cannot_be_created_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    code, output = _run(monkeypatch, tmp_path / "home", SHARED_DIR=str(blocker / "shared"))
    assert code == 2
    assert output.startswith("error: MATCHMAKER_SHARED_DIR cannot be used: ")


def test_a_variable_set_to_nothing_counts_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`MATCHMAKER_HOME=` left blank in an environment file keeps the default home, not the working
    directory; a blank secret key means the key kept in the home, not an empty signing key."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    for name in ("HOME", "SECRET_KEY", "SMTP_HOST", "DATABASE_URL", "PUBLIC_URL"):
        monkeypatch.setenv(f"MATCHMAKER_{name}", "")
    settings = Settings()
    assert settings.home == tmp_path / "user" / ".matchmaker"
    assert settings.secret_key is None
    assert settings.smtp_host is None
    assert settings.db_url == f"sqlite:///{tmp_path / 'user' / '.matchmaker' / 'matchmaker.db'}"
    assert settings.public_url == "http://127.0.0.1:8000"
    result = CliRunner().invoke(app, ["list", "cities"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "matchmaker.db").exists()
    assert (tmp_path / "user" / ".matchmaker" / "matchmaker.db").exists()


def test_a_long_secret_key_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = _run(monkeypatch, tmp_path, SECRET_KEY="k" * 32)
    assert code == 0, output


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf")


def _not_a_font(folder: Path) -> Path:
    path = folder / "notes.ttf"
    path.write_text("not a font", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: folder / "missing.ttf", "does not exist"),
        (lambda folder: folder, "is a directory, not a font file"),
        (_not_a_font, "is not a TrueType or OpenType font file"),
    ],
    ids=["missing", "directory", "not-a-font"],
)
def test_a_pdf_font_that_cannot_be_used_is_refused_by_name(
    make: Callable[[Path], Path], reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staff would otherwise get PDFs in the fallback font (names transliterated) and never learn why."""
    folder = tmp_path / "fonts"
    folder.mkdir()
    font = make(folder)
    code, output = _run(monkeypatch, tmp_path / "home", PDF_FONT=str(font))
    assert code == 2
    assert output.startswith(f"error: MATCHMAKER_PDF_FONT cannot be used: {font} {reason}"), output
    assert output.strip().splitlines() == [output.strip()]


def test_a_pdf_font_that_is_a_font_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not DEJAVU.is_file():
        pytest.skip("DejaVu Sans Condensed is not installed")
    font = tmp_path / "Agenda Font.ttf"
    font.write_bytes(DEJAVU.read_bytes())
    code, output = _run(monkeypatch, tmp_path / "home", PDF_FONT=str(font))
    assert code == 0, output
    monkeypatch.setenv("MATCHMAKER_PDF_FONT", str(font))
    assert Settings().pdf_font == font
