"""Use case: ingest corpus files into the database and keep the indexes current.

Every record is validated on its own. The valid records of one file are stored in one transaction, each
under a savepoint, so that one bad record never costs the others. Re-ingesting an id updates it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from matchmaker.corpus.reader import (
    SkippedFile,
    UnreadableFileError,
    discover,
    discover_with_skips,
    read_file,
)
from matchmaker.corpus.validate import Record, validate_record
from matchmaker.db import repository as repo
from matchmaker.db.engine import Database
from matchmaker.db.models import KIND_WORDS, CaseCreate, CityCreate, IngestRun, Kind, ProviderCreate
from matchmaker.errors import InvalidInputError, MatchmakerError, RecordRejectedError
from matchmaker.matching.names import NameEntry, probable_duplicates
from matchmaker.services.visibility import ConfidentialTerms
from matchmaker.settings import Settings
from matchmaker.wording import counted

if TYPE_CHECKING:
    from matchmaker.services.indexing import IndexService

logger = logging.getLogger(__name__)

#: Called with (file name, records done in that file); used for progress bars.
ProgressFn = Callable[[str, int], None]


@dataclass
class FileReport:
    """What happened to one file."""

    path: str
    kind: Kind | None = None
    accepted: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[str] = field(default_factory=list)
    unreadable: str | None = None
    #: The line of each id stored from this file (not part of the summary).
    stored: dict[str, int] = field(default_factory=dict)
    #: Warnings about records stored as given that will not work as written (``file:line: ...``; the
    #: report's warnings carry them, not the summary's line of this file).
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The JSON-ready line of this file in an ingest report (counts, not the rejected lines)."""
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("stored", "notes")}
        return counts | {"rejected": len(self.rejected)}


def given_again(files: Sequence[FileReport]) -> list[str]:
    """Warnings for the ids that two files of one ingest both store: the later file's record replaced
    the earlier one's, which a count of records stored does not show."""
    first: dict[tuple[Kind, str], tuple[str, int]] = {}
    warnings: list[str] = []
    for file in files:
        if file.kind is None:
            continue
        for record_id, line in file.stored.items():
            earlier = first.get((file.kind, record_id))
            if earlier is not None:
                warnings.append(
                    f"{KIND_WORDS[file.kind]} id {record_id!r} of {earlier[0]}:{earlier[1]} is given again"
                    f" in {file.path}:{line}, which was stored instead"
                )
            first[(file.kind, record_id)] = (file.path, line)
    return warnings


@dataclass
class IngestReport:
    """What one ingest did, across every file."""

    files: list[FileReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    index: dict[str, object] = field(default_factory=dict)
    #: Files inside the given folders that were not read, with the reason.
    skipped: list[SkippedFile] = field(default_factory=list)
    #: The id of the ingest run recorded for it (None when no file could be read: nothing is recorded).
    run_id: int | None = None

    @property
    def accepted(self) -> int:
        """Records stored."""
        return sum(f.accepted for f in self.files)

    @property
    def rejections(self) -> list[str]:
        """Every rejected record as ``file:line: reason``, and every unreadable file as ``file: reason``."""
        out: list[str] = []
        for f in self.files:
            if f.unreadable:
                out.append(f"{f.path}: {f.unreadable}")
            out.extend(f.rejected)
        return out

    @property
    def kinds(self) -> set[Kind]:
        """The kinds that received records."""
        return {f.kind for f in self.files if f.kind is not None and f.accepted}

    def summary(self) -> dict[str, Any]:
        """The JSON-ready report of an upload (what the API answers and an ingest job's result holds)."""
        return {
            "status": "partial" if self.rejections else "ok",
            "accepted": self.accepted,
            "rejected": self.rejections,
            "warnings": list(self.warnings),
            "files": [f.summary() for f in self.files],
            "index": dict(self.index),
        }

    @property
    def exit_code(self) -> int:
        """0 when every record was accepted, 2 when some were rejected, 1 when nothing could be read."""
        read_anything = any(f.accepted or f.rejected for f in self.files)
        if not read_anything:
            return 1
        return 2 if self.rejections else 0


def no_record_stored(report: IngestReport) -> str:
    """Why an upload stored nothing: the first reasons, and how many more there are."""
    rejections = report.rejections
    reasons = "; ".join(rejections[:20]) or "nothing could be read"
    more = f" (and {len(rejections) - 20} more)" if len(rejections) > 20 else ""
    return f"no record was stored: {reasons}{more}"


_UPSERT: dict[Kind, Callable[..., bool]] = {
    "city": repo.upsert_city,
    "provider": repo.upsert_provider,
    "case": repo.upsert_case,
}


@contextmanager
def ingest_lock(home: Path) -> Iterator[None]:
    """Hold the home's ingest lock (``home/.ingest.lock``), waiting with a log message when it is taken."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / ".ingest.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("Another ingest is running on %s; waiting for it to finish", home)
            fcntl.flock(fd, fcntl.LOCK_EX)
            logger.warning("The other ingest has finished; ingesting now")
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _store_in_savepoint(session: Session, kind: Kind, record: Record) -> bool:
    """Store one record under a savepoint of its own; whether it was new."""
    try:
        with session.begin_nested():
            return _store(session, kind, record)
    except IntegrityError:
        # Another writer (staff creating the record through the API on PostgreSQL) stored this id
        # after it was looked up: stored again, it updates that record, as ingesting an id again does,
        # instead of failing the whole ingest.
        with session.begin_nested():
            return _store(session, kind, record)


def _store(session: object, kind: Kind, record: Record) -> bool:
    if kind == "city":
        assert isinstance(record, CityCreate)
    elif kind == "provider":
        assert isinstance(record, ProviderCreate)
    else:
        assert isinstance(record, CaseCreate)
    return _UPSERT[kind](session, record)


class CorpusService:
    """Ingest corpus files (from the CLI, the API or the console) and keep the indexes current.

    Each file is one unit of work of its own, so a file that fails costs only itself.
    """

    def __init__(
        self,
        settings: Settings,
        database: Database,
        indexes: IndexService,
        confidential: ConfidentialTerms,
    ) -> None:
        self.settings = settings
        self.database = database
        self.indexes = indexes
        self.confidential = confidential

    def ingest_file(
        self, path: Path, *, progress: ProgressFn | None = None, kind: Kind | None = None
    ) -> FileReport:
        """Validate and store the records of one file; one transaction for the file.

        The record kind comes from the file name unless ``kind`` is given.
        """
        report = FileReport(path=str(path))
        try:
            kind, lines = read_file(
                path, self.settings.max_line_bytes, kind, max_depth=self.settings.max_json_depth
            )
            report.kind = kind
            valid: list[tuple[int, Record]] = []
            seen: dict[str, int] = {}
            for raw in lines:
                if raw.record is None:
                    report.rejected.append(f"{path}:{raw.line}: {raw.error}")
                    continue
                try:
                    record = validate_record(kind, raw.record)
                except RecordRejectedError as exc:
                    report.rejected.append(f"{path}:{raw.line}: {exc.message}")
                    continue
                if record.id in seen:
                    # The later line wins, and the report names the earlier one as not stored: a file
                    # that gives one id twice loses a record, which staff must see.
                    report.rejected.append(
                        f"{path}:{seen[record.id]}: id {record.id!r} is given again on line {raw.line}, "
                        "which was stored instead"
                    )
                    valid = [(n, r) for n, r in valid if r.id != record.id]
                seen[record.id] = raw.line
                valid.append((raw.line, record))
        except UnreadableFileError as exc:
            report.unreadable = exc.message
            return report
        except OSError as exc:
            report.unreadable = f"cannot read file: {exc.strerror or exc}"
            return report

        # The notes read the vocabulary, a slow import that short commands (list, show) skip.
        from matchmaker.corpus.notes import record_notes  # noqa: PLC0415 - see above

        with self.database.unit_of_work(write=True) as session:
            for done, (line, record) in enumerate(valid, start=1):
                try:
                    created = _store_in_savepoint(session, kind, record)
                except MatchmakerError as exc:
                    report.rejected.append(f"{path}:{line}: {exc.message}")
                    continue
                report.accepted += 1
                report.stored[record.id] = line
                report.notes.extend(
                    f"{path}:{line}: {KIND_WORDS[kind]} {record.id!r}: {note}"
                    for note in record_notes(record)
                )
                report.created += int(created)
                report.updated += int(not created)
                if progress is not None:
                    progress(path.name, done)
        logger.info("Ingested %s: %d accepted, %d rejected", path, report.accepted, len(report.rejected))
        return report

    @staticmethod
    def discover_files(paths: Sequence[Path], kind: Kind | None = None) -> list[Path]:
        """The corpus files that ``ingest_paths`` would read for these paths."""
        return discover(list(paths), kind)

    @staticmethod
    def count_lines(path: Path) -> int:
        """A cheap estimate of the records in a file, for progress bars."""
        try:
            with path.open("rb") as stream:
                return sum(1 for _ in stream)
        except OSError:
            return 0

    def stored_warnings(self, kinds: Sequence[Kind]) -> list[str]:
        """Warnings about the stored records of ``kinds``: different ids whose names are near-identical
        in the same country, and providers' ``regions_served`` words that name no country or region
        the region check knows (kept, but not read)."""
        warnings: list[str] = []
        with self.database.unit_of_work() as session:
            for kind in kinds:
                if kind == "case":
                    continue
                entries = [NameEntry(i, n, c) for i, n, c in repo.name_entries(session, kind)]
                for left, right in probable_duplicates(entries):
                    warnings.append(
                        f"probable duplicate {kind}: {left.id} ({left.name}) and "
                        f"{right.id} ({right.name}) in {left.country}"
                    )
            if "provider" in kinds:
                # The region words read the vocabulary, a slow import that short commands skip.
                from matchmaker.matching.regions import READ_REGION_WORDS, unread_regions  # noqa: PLC0415 - see above

                for provider_id, name, regions in repo.provider_regions(session):
                    unread = unread_regions(regions)
                    if unread:
                        warnings.append(
                            f"provider {provider_id} ({name}): regions_served "
                            f"{', '.join(map(repr, unread))} names no country or region the region check "
                            f"knows ({READ_REGION_WORDS}); it is kept, but covers no country in the region"
                            " check"
                        )
        return warnings

    def ingest_paths(
        self,
        paths: Sequence[Path],
        *,
        progress: ProgressFn | None = None,
        refresh_index: bool = True,
        source: str = "cli",
        kind: Kind | None = None,
        saved_in: Path | None = None,
    ) -> IngestReport:
        """Ingest files and folders, record the run, and bring the indexes up to date.

        ``kind`` reads every file as that kind instead of telling it from the file name. Files inside
        folders that are not read are listed in ``report.skipped`` with the reason. Ingests into one home
        run one at a time: a second one waits for the first (saying so in the log) and then runs in full,
        so both succeed. Files saved for an upload in the folder ``saved_in`` are named without it, in
        the report and in the recorded run alike.
        """
        with ingest_lock(self.settings.home):
            return self._ingest_paths(
                paths,
                progress=progress,
                refresh_index=refresh_index,
                source=source,
                kind=kind,
                saved_in=saved_in,
            )

    def _ingest_paths(
        self,
        paths: Sequence[Path],
        *,
        progress: ProgressFn | None,
        refresh_index: bool,
        source: str,
        kind: Kind | None,
        saved_in: Path | None,
    ) -> IngestReport:
        report = IngestReport()
        found = discover_with_skips(list(paths), kind)
        report.skipped = found.skipped
        for skipped in found.skipped:
            logger.info("Skipped %s: %s", skipped.path, skipped.reason)
        if not found.files:
            names = ", ".join(map(str, paths))
            reason = "no corpus files found"
            if found.skipped:
                reason += f" ({counted(len(found.skipped), 'file')} skipped)"
            report.files.append(FileReport(path=names, unreadable=reason))
        for path in found.files:
            report.files.append(self.ingest_file(path, progress=progress, kind=kind))
        if saved_in is not None:
            prefix = f"{saved_in}/"
            for file in report.files:
                file.path = file.path.replace(prefix, "")
                file.rejected = [line.replace(prefix, "") for line in file.rejected]
                file.notes = [line.replace(prefix, "") for line in file.notes]
        report.warnings.extend(note for file in report.files for note in file.notes)
        report.warnings.extend(given_again(report.files))
        if report.accepted:
            report.warnings.extend(self.stored_warnings(sorted(report.kinds)))
        if report.accepted:
            self.confidential.invalidate()
        if report.accepted and refresh_index:
            try:
                refreshed = self.indexes.refresh(sorted(report.kinds))
            except MatchmakerError as exc:
                # The records are stored (each file committed on its own): said, so that the failure
                # is not read as an ingest that stored nothing.
                self._record_run(report, source)
                kinds = ", ".join(KIND_WORDS[kind] for kind in sorted(report.kinds))
                exc.message = (
                    f"{counted(report.accepted, 'record')} stored ({kinds}), but the indexes could not be"
                    f" brought up to date: {exc.message}; once that is fixed, run `matchmaker index build`"
                )
                raise
            report.index = {"refreshed": sorted(report.kinds), "report": str(refreshed)}
        self._record_run(report, source)
        return report

    def _record_run(self, report: IngestReport, source: str) -> None:
        """Record the ingest run of ``report`` (none when no file could be read)."""
        if not any(f.kind for f in report.files):
            return
        with self.database.unit_of_work() as session:
            recorded = repo.record_ingest(
                session,
                IngestRun(
                    source=source,
                    files=[f.path for f in report.files],
                    accepted=report.accepted,
                    rejected=len(report.rejections),
                    rejections=report.rejections[:1000],
                ),
            )
            report.run_id = recorded.id

    @contextmanager
    def upload_folder(self) -> Iterator[Path]:
        """A private folder under the home for the files of one upload, removed afterwards."""
        root = self.settings.home / "uploads"
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def ingest_upload(
        self, folder: Path, paths: Sequence[Path], *, source: str, progress: ProgressFn | None = None
    ) -> IngestReport:
        """Ingest uploaded files saved in ``folder`` (see :meth:`upload_folder`); report lines name the
        uploaded files, not where they were saved. The one path for uploads from the API and the console."""
        return self.ingest_paths(paths, source=source, progress=progress, saved_in=folder)

    def ingest_job(self, params: Mapping[str, Any], progress: Callable[[float, str], None]) -> dict[str, Any]:
        """Run an upload's ingest as a background job: ``params`` names the folder and its files.

        Progress counts the records read against the lines of the files. When no record could be
        stored the job fails with the reasons, as the synchronous upload answers 422.
        """
        folder = Path(str(params["folder"]))
        paths = [folder / str(name) for name in params["files"]]
        total = max(1, sum(self.count_lines(p) for p in paths))
        finished: dict[str, int] = {}

        def advance(name: str, done: int) -> None:
            finished[name] = done
            read = sum(finished.values())
            progress(min(0.9, 0.9 * read / total), f"{read} of about {total} records read ({name})")

        progress(0.0, f"reading {counted(len(paths), 'file')}")
        report = self.ingest_upload(folder, paths, source=str(params.get("source", "api")), progress=advance)
        if report.accepted == 0:
            raise InvalidInputError(no_record_stored(report))
        return report.summary()

    def last_ingest(self) -> IngestRun | None:
        """The most recent ingest run, if any."""
        with self.database.unit_of_work() as session:
            return repo.last_ingest(session)

    def ingest_run(self, run_id: int) -> IngestRun | None:
        """One ingest run by its id (an upload's report), if it is recorded."""
        with self.database.unit_of_work() as session:
            return repo.ingest_run(session, run_id)
