"""Read a corpus folder into `Document`s: decode each file, extract text from HTML/PDF, clean it.

A file that cannot be used (binary, empty, unreadable, too large, an unknown encoding) is skipped
with a reason instead of stopping the whole ingest. Offsets and line numbers always refer to the
decoded text of the original file (for HTML, the markup; for PDF, the extracted text).
"""

from __future__ import annotations

import bisect
import hashlib
import html.parser
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from rag.cleaning import CleanText, clean, extract_headline, extract_title
from rag.errors import IngestError, UnreadableFileError
from rag.types import SkippedFile

__all__ = ["Document", "SUPPORTED_SUFFIXES", "load_document", "scan_corpus", "decode"]

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "title"}
_HIDDEN_TAGS = {"script", "style", "noscript", "template", "head", "nav", "footer", "aside"}


@dataclass(frozen=True)
class Document:
    source: str  # file name relative to the corpus folder, e.g. "004_9f8dad8495adc576.txt"
    path: Path
    raw: str  # decoded original text: offsets and line numbers refer to this
    cleaned: CleanText
    title: str  # the headline, else the first words (for display)
    sha256: str  # of the file's bytes: the manifest's notion of "changed"
    headline: str = ""  # a real headline, embedded with every chunk; empty when the article has none

    def line_of(self, offset: int) -> int:
        """1-based line number of a raw offset."""
        return bisect.bisect_right(self._line_starts, offset)

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(i + 1 for i, char in enumerate(self.raw) if char == "\n")
        return starts


def scan_corpus(folder: Path, max_file_mb: float = 10.0, prefix: str = "") -> tuple[list[Document], list[SkippedFile]]:
    """Every usable document under `folder`, and the files left out with their reasons.

    Sources are paths relative to `folder`, behind `prefix` (which keeps files of a second folder,
    such as UI uploads, apart from the main corpus).
    """
    if not folder.is_dir():
        raise IngestError(f"Corpus folder {folder} does not exist or is not a folder.")
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in _walk(folder, skipped):
        source = prefix + path.relative_to(folder).as_posix()
        try:
            documents.append(load_document(path, source, max_file_mb))
        except UnreadableFileError as reason:
            skipped.append(SkippedFile(source, str(reason)))
    return documents, skipped


def _walk(folder: Path, skipped: list[SkippedFile]) -> Iterator[Path]:
    # os.walk does not follow symlinked folders, so a symlink loop cannot trap it; they are reported instead.
    corpus = folder.resolve()
    for root, dirs, files in os.walk(
        folder, onerror=lambda exc: skipped.append(SkippedFile(str(exc.filename), exc.strerror or "unreadable folder"))
    ):
        linked = [d for d in dirs if not d.startswith(".") and (Path(root) / d).is_symlink()]
        for name in sorted(linked):
            skipped.append(
                SkippedFile((Path(root) / name).relative_to(folder).as_posix(), "symbolic link to a folder (not followed)")
            )
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in linked)
        for name in sorted(files):
            path = Path(root) / name
            if name.startswith("."):
                continue
            problem = _symlink_problem(path, corpus)
            if problem:
                skipped.append(SkippedFile(path.relative_to(folder).as_posix(), problem))
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                skipped.append(
                    SkippedFile(path.relative_to(folder).as_posix(), f"unsupported file type {path.suffix or '(none)'}")
                )
                continue
            yield path


def _symlink_problem(path: Path, corpus: Path) -> str | None:
    """Why a symlinked file must not be read: a loop, a dangling target, or a target outside the corpus."""
    if not path.is_symlink():
        return None
    target = Path(os.path.realpath(path))  # realpath, unlike Path.resolve on 3.11, does not raise on loops
    if not target.is_file():
        return "broken symbolic link or symlink loop"
    if not target.is_relative_to(corpus):
        # Following it would put a file from elsewhere on the machine into the index and the source panel.
        return "symbolic link to a file outside the corpus folder"
    return None


def load_document(path: Path, source: str | None = None, max_file_mb: float = 10.0) -> Document:
    source = source or path.name
    try:
        if path.is_symlink() and not path.exists():
            raise UnreadableFileError("broken symbolic link")
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            # A named pipe or device would block the whole ingest on read, or never end.
            raise UnreadableFileError("not a regular file (pipe, socket or device)")
        size = status.st_size
        if size > max_file_mb * 1024 * 1024:
            raise UnreadableFileError(f"larger than the {max_file_mb:g} MB limit ({size / 1e6:.1f} MB)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFileError("file disappeared while reading") from None
    except OSError as exc:
        raise UnreadableFileError(f"unreadable: {exc.strerror or exc}") from None
    if not data.strip():
        raise UnreadableFileError("empty file")
    suffix = path.suffix.lower()
    raw = _pdf_text(path) if suffix == ".pdf" else decode(data)
    text, origin = _html_text(raw) if suffix in (".html", ".htm") else (raw, None)
    cleaned = clean(text)
    if origin is not None:
        cleaned = CleanText(cleaned.text, tuple(origin[i] for i in cleaned.origin), cleaned.dropped)
    if not cleaned.text.strip():
        raise UnreadableFileError("no text left after cleaning")
    headline = _html_title(raw) if suffix in (".html", ".htm") else extract_headline(text)
    title = headline or extract_title(text, path.stem)
    return Document(source, path, raw, cleaned, title, hashlib.sha256(data).hexdigest(), headline or "")


def decode(data: bytes) -> str:
    """Text from bytes: BOM-marked UTF-8/16/32, else UTF-8, else Windows-1252 / Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    if b"\x00" in data[:8192]:
        raise UnreadableFileError("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace") if _mostly_text(data) else ""
        if not text:
            raise UnreadableFileError("binary or unknown encoding") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _mostly_text(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return controls / max(len(sample), 1) < 0.02


def _pdf_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise UnreadableFileError("PDF reader not installed (pip install pypdf)") from None
    try:
        return "\n\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise UnreadableFileError(f"unreadable PDF: {exc}") from None


class _TextExtractor(html.parser.HTMLParser):
    """Visible text of an HTML page, each character mapped to its offset in the markup."""

    def __init__(self, raw: str) -> None:
        super().__init__(convert_charrefs=False)
        self._line_starts = [0] + [i + 1 for i, c in enumerate(raw) if c == "\n"]
        self.chars: list[str] = []
        self.origin: list[int] = []
        self.title = ""
        self._hidden = 0
        self._in_title = False

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _add(self, text: str, offset: int, verbatim: bool) -> None:
        if self._in_title:
            self.title += text
        if self._hidden:
            return
        for i, char in enumerate(text):
            self.chars.append(char)
            self.origin.append(offset + i if verbatim else offset)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_title = tag == "title"
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self._add("\n\n", self._offset(), verbatim=False)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self._add("\n\n", self._offset(), verbatim=False)

    def handle_data(self, data: str) -> None:
        self._add(data, self._offset(), verbatim=True)

    def handle_entityref(self, name: str) -> None:
        self._add(html.unescape(f"&{name};"), self._offset(), verbatim=False)

    def handle_charref(self, name: str) -> None:
        self._add(html.unescape(f"&#{name};"), self._offset(), verbatim=False)


def _html_text(raw: str) -> tuple[str, list[int]]:
    extractor = _TextExtractor(raw)
    extractor.feed(raw)
    extractor.close()
    return "".join(extractor.chars), extractor.origin


def _html_title(raw: str) -> str | None:
    extractor = _TextExtractor(raw)
    extractor.feed(raw)
    return " ".join(extractor.title.split()) or None
