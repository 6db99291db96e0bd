"""Upload checks: the type is decided by the file's content, never by its name or the browser's claim."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif"}
PDF_TYPE = "application/pdf"


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
    right bytes but is not a readable image is refused.
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
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValidationError(f"“{name}”图片已损坏，无法打开。") from exc
        finally:
            upload.seek(0)
    return sniffed


def _size_label(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"
