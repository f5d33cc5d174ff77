"""Staff pages: the dashboard (counts, index status, last ingest) and corpus upload with its report."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import Parameter
from litestar.response import Redirect

from matchmaker.corpus.reader import kind_of, upload_kind
from matchmaker.db.models import SERIAL_ID_MAX, IngestRun, Kind
from matchmaker.errors import InvalidInputError, MatchmakerError, PayloadTooLargeError
from matchmaker.services import indexing
from matchmaker.services.container import Services
from matchmaker.services.records import RecordService
from matchmaker.settings import Settings
from matchmaker.web.console.jobs import job_redirect, start_ingest
from matchmaker.web.console.render import ConsolePage, page
from matchmaker.web.console.session import STAFF, principal_of
from matchmaker.web.errors import form_refusal
from matchmaker.web.media import readable_size

logger = logging.getLogger(__name__)

#: What an uploaded file's name keeps: letters and digits of any script (a file named after Kukës
#: or Ош is reported by that name), ``.``, ``-`` and ``_``; anything else (a space, a quote, a
#: control character) becomes ``_``.
_SAFE_NAME = re.compile(r"[^\w.-]+")


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the dashboard shows."""

    counts: dict[str, int]
    index: list[indexing.KindStatus]
    last_ingest: IngestRun | None


def load_dashboard(services: Services, records: RecordService) -> Dashboard:
    """Counts, index status and the last ingest, read in one go."""
    counts = {str(k): v for k, v in records.counts().items()}
    return Dashboard(
        counts=counts, index=services.indexes.status(), last_ingest=services.corpus.last_ingest()
    )


@get("/dashboard", name="console:dashboard", opt=STAFF)
async def dashboard(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    records: NamedDependency[RecordService],
) -> Response[Any]:
    """The staff dashboard."""
    data = await anyio.to_thread.run_sync(load_dashboard, services, records)
    return page(
        "console/dashboard.html",
        principal_of(request),
        title="Dashboard",
        request_path=request.url.path,
        data=data,
    )


def upload_name(filename: str | None) -> str:
    """A safe local file name for an upload, which must say its kind (``cities.jsonl``, ``cases.csv``)."""
    base = Path((filename or "").replace("\\", "/")).name
    # NFC: a name sent with combining accents (e + U+0308) keeps its letter (ë), not an ``_``
    base = _SAFE_NAME.sub("_", unicodedata.normalize("NFC", base))
    upload_kind(base)  # the same rule as ingest; raises with the reason and the accepted names
    return base


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What the upload page reports about one ingest: the files by name, the records stored, how many
    were rejected with the lines ``file:line: reason`` (at most the first 1000 of a recorded ingest),
    and warnings about the stored records of the files' kinds (probable duplicates, region words not
    read)."""

    files: list[str]
    accepted: int
    rejected: int
    rejections: list[str]
    warnings: list[str]


def ingest_upload(services: Services, name: str, content: bytes) -> tuple[UploadResult, int | None]:
    """Store one uploaded corpus file through the corpus service's upload path.

    Returns what to report and the id of the ingest run the service recorded for it, or ``None`` when it
    recorded none (the file could not be read, so nothing was stored).
    """
    with services.corpus.upload_folder() as folder:
        path = folder / name
        path.write_bytes(content)
        report = services.corpus.ingest_upload(folder, [path], source="console")
    result = UploadResult(
        files=[f.path for f in report.files],
        accepted=report.accepted,
        rejected=len(report.rejections),
        rejections=report.rejections,
        warnings=report.warnings,
    )
    return result, report.run_id


def _kinds(names: list[str]) -> list[Kind]:
    """The record kinds the file names say."""
    kinds: set[Kind] = set()
    for name in names:
        try:
            kinds.add(kind_of(Path(name)))
        except MatchmakerError:
            continue
    return sorted(kinds)


def uploaded_result(services: Services, run_id: int) -> UploadResult | None:
    """The report of the ingest run ``run_id`` (an earlier upload's too, after other ingests), or
    ``None`` when there is no such run.

    The run names the uploaded files, not where they were saved. Warnings about the stored records
    (probable duplicates, region words not read) are worked out again from the records stored now.
    """
    run = services.corpus.ingest_run(run_id)
    if run is None:
        return None
    files = [Path(f).name for f in run.files]
    warnings = services.corpus.stored_warnings(_kinds(files)) if run.accepted else []
    return UploadResult(
        files=files,
        accepted=run.accepted,
        rejected=run.rejected,
        rejections=list(run.rejections),
        warnings=warnings,
    )


#: Room for the multipart envelope (boundaries and part headers) over the file.
FORM_OVERHEAD = 64 * 1024


def limit_body(request: Request[Any, Any, Any], limit: int) -> None:
    """Make ``request`` stop reading its body once more than ``limit`` bytes of file (and the form's
    envelope, :data:`FORM_OVERHEAD`) have arrived.

    The form parser reads the body through ``request.receive``; counting there ends a chunked upload
    of any size at the limit, instead of after the whole body is in memory.
    """
    receive = request.receive
    received = 0

    async def counted() -> Any:
        nonlocal received
        message = await receive()
        if message.get("type") == "http.request":
            body = message.get("body", b"")
            received += len(body) if isinstance(body, bytes | bytearray) else 0
            if received > limit + FORM_OVERHEAD:
                raise PayloadTooLargeError(f"the upload is over the limit of {readable_size(limit)}")
        return message

    request.receive = counted  # type: ignore[method-assign]


async def read_upload(request: Request[Any, Any, Any], settings: Settings) -> tuple[str, bytes]:
    """The uploaded file's safe name and content, within the upload size limit (read as it streams)."""
    limit = settings.max_upload_bytes
    length = request.headers.get("content-length") or "0"
    if length.isdigit() and int(length) > limit + FORM_OVERHEAD:
        raise PayloadTooLargeError(
            f"the upload is {readable_size(int(length))}; the limit is {readable_size(limit)}"
        )
    limit_body(request, limit)
    try:
        form = await request.form()
    except ClientException as exc:
        refusal = form_refusal(exc)
        if refusal is None:
            raise
        raise refusal from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInputError("choose a file to upload")
    name = upload_name(upload.filename)
    content = await upload.read()
    if len(content) > limit:
        raise PayloadTooLargeError(
            f"the file is {readable_size(len(content))}; the limit is {readable_size(limit)}"
        )
    return name, content


_UPLOAD = ConsolePage("console/upload.html", "Upload corpus", "/upload")


def _upload_page(
    request: Request[Any, Any, Any],
    *,
    result: UploadResult | None = None,
    error: str | None = None,
    flash: dict[str, str] | None = None,
    status: int = 200,
) -> Response[Any]:
    """The corpus upload form, with the report of a file ingested or why it was refused."""
    return _UPLOAD.response(request, status=status, result=result, error=error, flash=flash)


@get("/upload", name="console:upload", opt=STAFF)
async def upload_form(
    request: Request[Any, Any, Any],
    services: NamedDependency[Services],
    ingest: Annotated[int | None, Parameter(ge=1, le=SERIAL_ID_MAX)] = None,
) -> Response[Any]:
    """The corpus upload form; with ``ingest``, the report of that ingest (where an upload leads)."""
    if ingest is None:
        return _upload_page(request)
    result = await anyio.to_thread.run_sync(uploaded_result, services, ingest)
    if result is None:
        note = "There is no record of that upload; the dashboard shows the last ingest."
        return _upload_page(request, flash={"kind": "info", "text": note})
    return _upload_page(request, result=result)


@post("/upload", name="console:upload-post", opt=STAFF, request_max_body_size=None)
async def upload_submit(
    request: Request[Any, Any, Any], services: NamedDependency[Services]
) -> Response[Any]:
    """Ingest an uploaded file, then lead to the page with its per-record report (See Other), so that
    reloading that page shows the report again instead of sending the file again."""
    try:
        name, content = await read_upload(request, services.settings)
        if (await request.form()).get("background"):
            job = await anyio.to_thread.run_sync(start_ingest, request, name, content)
            return job_redirect(job)
        result, run_id = await anyio.to_thread.run_sync(ingest_upload, services, name, content)
    except (InvalidInputError, PayloadTooLargeError) as exc:
        status = 413 if isinstance(exc, PayloadTooLargeError) else 422
        return _upload_page(request, error=exc.message, status=status)
    if run_id is None:  # nothing could be read, so nothing was stored: sending it again changes nothing
        return _upload_page(request, result=result)
    return Redirect(f"/upload?ingest={run_id}", status_code=303)


ROUTES = [dashboard, upload_form, upload_submit]
