"""Upload checks (apps.core.files): an image too large to decode safely is refused in Chinese, not a 500."""

import io
import json
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.core.files import IMAGE_TYPES, MAX_IMAGE_PIXELS, check_upload


def png_header(width: int, height: int, name: str = "bomb.png") -> SimpleUploadedFile:
    """A PNG whose header claims width × height pixels (with a tiny, truncated body): nothing is decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile(name, body, content_type="image/png")


def check(upload):
    return check_upload(upload, allowed=set(IMAGE_TYPES), max_bytes=10 * 1024 * 1024)


def test_decompression_bomb_header_is_refused_in_chinese():
    with pytest.raises(ValidationError, match="“bomb.png”图片尺寸过大"):
        check(png_header(20000, 20000))


def test_image_over_the_pixel_limit_is_refused():
    # 60 million pixels: Pillow itself would only warn; the portal refuses it.
    assert 8000 * 7500 > MAX_IMAGE_PIXELS
    with pytest.raises(ValidationError, match="图片尺寸过大"):
        check(png_header(8000, 7500, "huge.png"))


def test_ordinary_photo_passes():
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 20, 30)).save(buf, format="PNG")
    assert check(SimpleUploadedFile("ok.png", buf.getvalue())).content_type == "image/png"


@pytest.mark.django_db
def test_api_upload_of_a_bomb_is_400(client, side_a):
    from apps.partylife.models import Evidence
    from tests.partylife.factories import ActivityFactory

    record = ActivityFactory(branch=side_a.branch)
    client.force_login(side_a.branch_secretary)
    response = client.post(
        f"/api/partylife/activities/{record.pk}/evidence/", {"kind": "photo", "file": png_header(20000, 20000)}
    )
    assert response.status_code == 400
    assert "图片尺寸过大" in json.dumps(response.json(), ensure_ascii=False)
    assert not Evidence.objects.exists()
