"""`/v1/documents`: list, upload (multipart, the UI's rules and limits), read with line numbers, delete.

Uploads go through `rag.uploads` exactly like the UI's: allow-listed types, RAG_MAX_FILE_MB per file,
sanitised names, stored under RAG_UPLOAD_DIR (never the seed corpus), then that folder is ingested.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status
from starlette.concurrency import run_in_threadpool

from rag.api.errors import ERROR_RESPONSES, ApiError
from rag.api.schemas import Deleted, DocumentList, DocumentOut, DocumentText, ErrorResponse, Line, Rejected, UploadResult
from rag.api.state import assistant_of
from rag.assistant import Assistant
from rag.types import DocumentInfo
from rag.uploads import max_upload_bytes, safe_name, save_uploads

__all__ = ["router"]

router = APIRouter(prefix="/documents", tags=["documents"])

_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorResponse, "description": "No such indexed document"}}
_READ_CHUNK = 1 << 20
MAX_FILES = 10  # per upload request; the request body is capped accordingly (see create_app)


def _out(info: DocumentInfo) -> DocumentOut:
    return DocumentOut(source=info.source, title=info.title, date=info.date, chunks=info.chunks)


@router.get("", response_model=DocumentList, responses=ERROR_RESPONSES)
async def list_documents(request: Request) -> DocumentList:
    infos = await run_in_threadpool(assistant_of(request).documents)
    return DocumentList(data=[_out(info) for info in infos])


@router.post(
    "",
    response_model=UploadResult,
    status_code=status.HTTP_201_CREATED,
    responses={**ERROR_RESPONSES, 413: {"model": ErrorResponse, "description": "A file is larger than RAG_MAX_FILE_MB"}},
)
async def upload_documents(request: Request, file: Annotated[list[UploadFile], File(description="One or more files")]) -> UploadResult:
    """Add .txt/.md/.html/.pdf files to the index (multipart field `file`, repeatable)."""
    assistant = assistant_of(request)
    limit = max_upload_bytes(assistant.settings)
    if len(file) > MAX_FILES:
        raise ApiError(400, f"At most {MAX_FILES} files per upload request; send the rest in another.", "too_many_files")
    rejected: list[Rejected] = []
    too_large = False
    with tempfile.TemporaryDirectory(prefix="rag-upload-") as tmp:
        staged: list[Path] = []
        for upload in file:
            original = upload.filename or ""
            if not original:
                rejected.append(Rejected(filename="", reason="the file has no name"))
                continue
            # Staged under the user's (sanitised) name: `save_uploads` takes the name from the path.
            target = Path(tmp) / str(len(staged)) / safe_name(original)
            target.parent.mkdir()
            if not await _copy_capped(upload, target, limit):
                too_large = True
                rejected.append(Rejected(filename=original, reason=f"larger than the {assistant.settings.max_file_mb:g} MB limit"))
                continue
            staged.append(target)
        saved = await run_in_threadpool(save_uploads, staged, assistant.settings)
        rejected += [Rejected(filename=name, reason=why) for name, why in saved.rejected]
        too_large = too_large or any("MB limit" in why for _, why in saved.rejected)
    if not saved.saved:
        reasons = "; ".join(f"{r.filename or '(unnamed)'}: {r.reason}" for r in rejected) or "no file was sent"
        if too_large:
            raise ApiError(413, f"Nothing was added: {reasons}.", "file_too_large")
        raise ApiError(400, f"Nothing was added: {reasons}.", "invalid_upload")
    return await run_in_threadpool(_ingest_uploads, assistant, saved.saved, rejected)


def _ingest_uploads(assistant: Assistant, names: list[str], rejected: list[Rejected]) -> UploadResult:
    folder = assistant.settings.upload_dir
    report = assistant.ingest(folder)
    # Uploads are indexed with their folder's name as a prefix (see Assistant.ingest).
    wanted = {f"{folder.resolve().name}/{name}" for name in names}
    skipped = {Path(item.path).name: item.reason for item in report.skipped}
    for name in names:
        if name in skipped:
            rejected.append(Rejected(filename=name, reason=skipped[name]))
            (folder / name).unlink(missing_ok=True)  # unusable: do not keep it around to be skipped again
    added = [_out(info) for info in assistant.documents() if info.source in wanted]
    if not added:
        reasons = "; ".join(f"{r.filename}: {r.reason}" for r in rejected)
        raise ApiError(400, f"Nothing was added: {reasons or 'the files could not be indexed'}.", "invalid_upload")
    return UploadResult(data=added, rejected=rejected, summary=report.summary())


async def _copy_capped(upload: UploadFile, target: Path, limit: int) -> bool:
    """Copy the upload to `target`; False (and nothing kept) once it passes `limit` bytes."""
    size = 0
    with target.open("wb") as out:
        while chunk := await upload.read(_READ_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size > limit:
        target.unlink()
        return False
    return True


@router.get("/{source:path}", response_model=DocumentText, responses={**ERROR_RESPONSES, **_NOT_FOUND})
async def read_document(source: str, request: Request) -> DocumentText:
    """The original text with line numbers, for showing a citation's `lines` in context."""
    assistant = assistant_of(request)
    document = await run_in_threadpool(assistant.document, source)
    info = next((d for d in await run_in_threadpool(assistant.documents) if d.source == source), None)
    # Numbered as citations number them: a line ends at "\n" (a trailing "\r" is not shown).
    lines = [Line(number=n, text=text.rstrip("\r")) for n, text in enumerate(document.raw.split("\n"), start=1)]
    return DocumentText(
        source=source,
        title=info.title if info else document.title,
        date=info.date if info else "",
        chunks=info.chunks if info else 0,
        text=document.raw,
        lines=lines,
    )


@router.delete("/{source:path}", response_model=Deleted, responses={**ERROR_RESPONSES, **_NOT_FOUND})
async def delete_document(source: str, request: Request) -> Deleted:
    """Remove a document from the index; an uploaded file is deleted too, a seed file stays on disk."""
    await run_in_threadpool(assistant_of(request).remove, source)
    return Deleted(id=source)
