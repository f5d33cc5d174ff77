"""Corpus upload (staff): JSONL or CSV files, validated record by record as by ``matchmaker ingest``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import anyio.to_thread
from litestar import Request, Response, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body

from matchmaker.corpus.reader import upload_kind
from matchmaker.errors import InvalidInputError, PayloadTooLargeError
from matchmaker.services.container import Services
from matchmaker.services.corpus import no_record_stored
from matchmaker.services.jobs import Job
from matchmaker.services.users import Principal
from matchmaker.settings import Settings
from matchmaker.web.auth import staff_only
from matchmaker.web.errors import problems
from matchmaker.web.media import readable_size
from matchmaker.web.ratelimit import rate_limited
from matchmaker.web.routes.jobs import ACCEPTED, JobOut, Wait, accepted
from matchmaker.web.schemas import IngestReportOut
from matchmaker.wording import noun_for

MAX_FILES = 10
_CHUNK = 1 << 20


@dataclass
class CorpusUpload:
    """A multipart upload: one or more ``files`` parts."""

    files: list[UploadFile] = field(default_factory=list)


def _file_name(upload: UploadFile) -> str:
    name = Path(upload.filename or "").name
    if not name or name != (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]:
        raise InvalidInputError("each uploaded file needs a plain file name such as cities.jsonl")
    upload_kind(name, named=True)  # raises with the limit, or the name and the accepted names
    return name


async def _save(uploads: list[UploadFile], folder: Path, limit: int) -> list[Path]:
    paths: list[Path] = []
    total = 0
    names: set[str] = set()
    for upload in uploads:
        name = _file_name(upload)
        if name in names:
            raise InvalidInputError(f"{name} is uploaded twice; send each file once")
        names.add(name)
        path = folder / name
        with path.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise PayloadTooLargeError(f"the upload is over the limit of {readable_size(limit)}")
                out.write(chunk)
        paths.append(path)
    return paths


async def start_ingest_job(
    services: Services, uploads: list[UploadFile], *, owner_id: int, source: str
) -> Job:
    """Save the uploaded files in a new job's folder (in the shared directory) and queue their ingest."""
    jobs = services.jobs
    job_id = jobs.new_id()
    folder = jobs.files_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        paths = await _save(uploads, folder, services.settings.max_upload_bytes)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    params = {"folder": str(folder), "files": [p.name for p in paths], "source": source}
    return await anyio.to_thread.run_sync(
        lambda: jobs.submit("ingest", params, owner_id=owner_id, job_id=job_id)
    )


def make_upload_handler(settings: Settings) -> HTTPRouteHandler:
    """The upload handler, with the body limit of these settings."""

    @post(
        "/corpus",
        guards=[staff_only, rate_limited],
        request_max_body_size=settings.max_upload_bytes,
        tags=["corpus"],
        summary="Upload corpus files (staff)",
        responses={**problems(403, 413, 415, 422, 429), **ACCEPTED},
        status_code=200,
    )
    async def upload_corpus(
        request: Request[Any, Any, Any],
        services: NamedDependency[Services],
        current_user: NamedDependency[Principal],
        data: Annotated[
            CorpusUpload,
            Body(
                media_type=RequestEncodingType.MULTI_PART,
                description="Files named cities, providers or cases with .jsonl or .csv.",
            ),
        ],
        wait: Wait = True,
    ) -> Response[IngestReportOut | JobOut]:
        """Validate and store the records of the uploaded files, then bring the indexes up to date.

        Every rejected record is reported as ``file:line: reason``; the accepted ones are stored
        anyway (``status`` is then ``partial``). When no record at all could be stored the answer is
        422 with the reasons. Re-uploading an id updates that record. With ``wait=false`` the ingest
        runs as a background job and the answer is 202 with ``Location: /api/v1/jobs/{id}``.
        """
        others = sorted({name for name in (await request.form()) if name != "files"})
        if others:
            # A part under another name would be dropped without a word while the files beside it
            # are stored.
            named = ", ".join(repr(name) for name in others)
            raise InvalidInputError(
                f"the upload has {noun_for(len(others), 'a part', 'parts')} named {named}; "
                "send every file as a `files` part"
            )
        uploads = list(data.files)
        if not uploads:
            raise InvalidInputError("no file in the upload; send multipart/form-data with `files` parts")
        if len(uploads) > MAX_FILES:
            raise InvalidInputError(f"at most {MAX_FILES} files per upload")
        if not wait:
            job = await start_ingest_job(services, uploads, owner_id=current_user.user_id, source="api")
            return accepted(job)
        corpus = services.corpus
        with corpus.upload_folder() as folder:
            paths = await _save(uploads, folder, settings.max_upload_bytes)
            report = await anyio.to_thread.run_sync(lambda: corpus.ingest_upload(folder, paths, source="api"))
        if report.accepted == 0:
            raise InvalidInputError(no_record_stored(report))
        return Response(IngestReportOut.model_validate(report.summary()))

    return upload_corpus


__all__ = ["MAX_FILES", "make_upload_handler"]
