"""Uploads (上传文件): checked by their content, and removed again when the write that stored them fails.

- `check_upload` decides a file's type by its content, never by its name or the browser's
  claim, and opens images with Pillow: a broken image, or one too large to decode safely
  (a "decompression bomb" whose header claims 20000×20000 pixels), is refused in Chinese.
- `files_removed_on_failure` wraps a write that stores files: if it fails, the files it
  stored are deleted (their rows are rolled back with the transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
PDF_TYPE = "application/pdf"
#: The largest image accepted, in pixels: a 48-megapixel phone photo passes; anything larger is
#: refused before it is decoded (Pillow itself only refuses beyond ~179 million pixels).
MAX_IMAGE_PIXELS = 50_000_000


@dataclass(frozen=True)
class SniffedFile:
    content_type: str
    extension: str


def sniff(head: bytes) -> SniffedFile | None:
    """Recognise JPEG, PNG, GIF, WebP and PDF from their first bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return SniffedFile("image/jpeg", ".jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return SniffedFile("image/png", ".png")
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return SniffedFile("image/gif", ".gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return SniffedFile("image/webp", ".webp")
    if head.lstrip()[:5] == b"%PDF-":
        return SniffedFile(PDF_TYPE, ".pdf")
    return None


def check_upload(upload, *, allowed: set[str], max_bytes: int) -> SniffedFile:
    """Validate an uploaded file; raise ValidationError in Chinese, or return its real type.

    Images are also opened with Pillow, so a file that merely starts with the
    right bytes but is not a readable image is refused, and so is an image of
    more than MAX_IMAGE_PIXELS pixels (only its header is read to tell).
    """
    name = getattr(upload, "name", "文件")
    if upload.size > max_bytes:
        raise ValidationError(f"“{name}”超过 {_size_label(max_bytes)}，请压缩后再上传。")
    if upload.size == 0:
        raise ValidationError(f"“{name}”是空文件。")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    sniffed = sniff(head)
    if sniffed is None or sniffed.content_type not in allowed:
        kinds = "、".join(sorted({"图片" if t.startswith("image/") else "PDF" for t in allowed}))
        raise ValidationError(f"“{name}”不是可接受的文件类型（只接受{kinds}）。")
    if sniffed.content_type in IMAGE_TYPES:
        _check_image(upload, name)
    return sniffed


def _check_image(upload, name: str) -> None:
    import warnings

    from PIL import Image, UnidentifiedImageError

    too_large = f"“{name}”图片尺寸过大（超过 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素），请缩小后再上传。"
    try:
        with warnings.catch_warnings():
            # Pillow warns between its two limits; ours is lower and refuses such images below.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError(too_large)
                image.verify()
    except Image.DecompressionBombError as exc:
        raise ValidationError(too_large) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(f"“{name}”图片已损坏，无法打开。") from exc
    finally:
        upload.seek(0)


def _size_label(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


# --- files stored by a write that may still fail ---------------------------------------------------------

_stored: ContextVar[list[FieldFile] | None] = ContextVar("stored_files", default=None)


@contextmanager
def files_removed_on_failure() -> Iterator[None]:
    """Delete the files stored inside the block (see `note_stored`) if the block raises.

    Wrap it around the write's `transaction.atomic()`: the rows go with the rollback,
    the files with this. Blocks nest: a write that succeeded inside a larger one that
    fails later has its files removed by the larger one.
    """
    stored: list[FieldFile] = []
    outer = _stored.get()
    token = _stored.set(stored)
    try:
        yield
    except BaseException:
        for file in stored:
            file.storage.delete(file.name)
        raise
    finally:
        _stored.reset(token)
    if outer is not None:
        outer.extend(stored)


def note_stored(file: FieldFile) -> None:
    """Record a file just written to storage, so a failure of the surrounding write removes it."""
    stored = _stored.get()
    if stored is not None:
        stored.append(file)


def stored_file_response(stored, *, missing: str) -> FileResponse:
    """Serve an uploaded file row (`file`, `content_type`, `original_name`) after the caller checked the viewer.

    Files are never served from MEDIA_URL: every app's file view finds the row through the viewer's scope,
    then answers with this — inline, under its original name, never sniffed, cached privately. A file gone
    from storage is a 404 saying `missing`.
    """
    try:
        handle = stored.file.storage.open(stored.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404(missing) from exc
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(stored.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
