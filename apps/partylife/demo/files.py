"""The demo's evidence files (演示佐证材料): a handful of small photos and scans, written once and shared.

Thousands of demo Evidence rows point at these few files under MEDIA_ROOT/evidence/demo/;
they are drawn with Pillow (no font needed), deterministically.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ..models import Evidence, EvidenceKind
from .texts import SEED

DEMO_DIR = "evidence/demo"


@dataclass(frozen=True)
class DemoFile:
    name: str  # storage name under DEMO_DIR
    kind: str  # EvidenceKind
    content_type: str
    size: int


# (background colour, accent colour, people in the picture, format)
PHOTO_SPECS = (
    ((96, 112, 140), (200, 20, 30), 7, "JPEG"),
    ((140, 120, 96), (190, 30, 30), 5, "JPEG"),
    ((80, 120, 90), (210, 40, 30), 9, "JPEG"),
    ((150, 150, 160), (180, 20, 40), 4, "JPEG"),
    ((110, 90, 120), (205, 25, 25), 6, "JPEG"),
    ((70, 100, 130), (200, 50, 20), 8, "JPEG"),
    ((170, 140, 110), (190, 20, 20), 3, "PNG"),
    ((120, 140, 150), (215, 35, 35), 10, "PNG"),
)


def _photo(index: int) -> bytes:
    """A small picture of a meeting room: a red banner, a table and people (no text: no font needed)."""
    from PIL import Image, ImageDraw

    background, accent, people, fmt = PHOTO_SPECS[index]
    width, height = 640, 420
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # a soft gradient, like light on a wall
        shade = tuple(max(0, min(255, c + (y * 50) // height - 25)) for c in background)
        draw.line([(0, y), (width, y)], fill=shade)
    draw.rectangle([80, 30, width - 80, 90], fill=accent)  # 横幅
    for x in range(110, width - 110, 34):
        draw.rectangle([x, 48, x + 20, 72], fill=(250, 220, 90))
    draw.rectangle([60, 260, width - 60, 300], fill=(120, 80, 50))  # the table
    step = (width - 160) // max(people - 1, 1)
    for i in range(people):
        cx = 80 + i * step
        draw.ellipse([cx - 16, 180, cx + 16, 212], fill=(235, 200, 170))
        draw.rectangle([cx - 22, 212, cx + 22, 262], fill=(30 + 20 * (i % 3), 40, 70))
    if index % 2:
        draw.ellipse([width - 120, 110, width - 70, 160], fill=(200, 30, 30))  # 党徽-like badge
    buf = io.BytesIO()
    image.save(buf, format=fmt, **({"quality": 75} if fmt == "JPEG" else {}))
    return buf.getvalue()


def _scan(kind: str, variant: int) -> bytes:
    """A page scanned to PDF: lines of "text" (minutes) or a ruled table (sign-in sheet)."""
    from PIL import Image, ImageDraw

    rng = random.Random(f"{SEED}:{kind}:{variant}")
    image = Image.new("L", (595, 842), 250)
    draw = ImageDraw.Draw(image)
    draw.rectangle([200, 50, 395, 66], fill=60)  # the title
    if kind == EvidenceKind.SIGNIN:
        for row in range(22):
            y = 110 + row * 30
            draw.line([(50, y), (545, y)], fill=80, width=1)
            if 0 < row < 21 and rng.random() < 0.85:  # a signature
                x = 220 + rng.randint(0, 40)
                draw.line([(x, y + 20), (x + 30, y + 8), (x + 60, y + 22), (x + 90, y + 10)], fill=40)
        for x in (50, 200, 370, 545):
            draw.line([(x, 110), (x, 740)], fill=80, width=1)
    else:
        y = 100
        while y < 760:
            right = 545 if rng.random() < 0.8 else rng.randint(200, 500)
            draw.rectangle([70 if rng.random() < 0.15 else 50, y, right, y + 7], fill=90)
            y += 22 if rng.random() < 0.9 else 40
    buf = io.BytesIO()
    image.save(buf, format="PDF", resolution=72)
    return buf.getvalue()


def _file_specs() -> list[tuple[str, str, str, object]]:
    """(name, kind, content type, renderer) for every demo file."""
    specs = []
    for i, (*_, fmt) in enumerate(PHOTO_SPECS):
        ext, content_type = (".jpg", "image/jpeg") if fmt == "JPEG" else (".png", "image/png")
        specs.append((f"{DEMO_DIR}/photo-{i + 1}{ext}", EvidenceKind.PHOTO, content_type, lambda i=i: _photo(i)))
    for i in range(2):
        specs.append(
            (
                f"{DEMO_DIR}/minutes-{i + 1}.pdf",
                EvidenceKind.MINUTES,
                "application/pdf",
                lambda i=i: _scan(EvidenceKind.MINUTES, i),
            )
        )
    specs.append(
        (f"{DEMO_DIR}/signin-1.pdf", EvidenceKind.SIGNIN, "application/pdf", lambda: _scan(EvidenceKind.SIGNIN, 0))
    )
    return specs


def write_files(*, only_missing: bool = False) -> list[DemoFile]:
    """Write the shared demo files (a few small images and PDFs) to the default storage; return them."""
    storage = default_storage
    files = []
    for name, kind, content_type, render in _file_specs():
        if only_missing and storage.exists(name):
            files.append(DemoFile(name, kind, content_type, storage.size(name)))
            continue
        data = render()
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(data))
        if saved != name:  # pragma: no cover - a storage that renames would break the shared rows
            raise RuntimeError(f"演示文件保存失败：{name}")
        files.append(DemoFile(name, kind, content_type, len(data)))
    return files


def ensure_files() -> None:
    """Rewrite any demo file that went missing (`make run` calls this when the demo already exists)."""
    if Evidence.objects.filter(file__startswith=f"{DEMO_DIR}/").exists():
        write_files(only_missing=True)
