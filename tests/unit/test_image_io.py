"""labeler.core.image_io: real files written to tmp_path, built here byte by byte where cv2 cannot."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from labeler.core.errors import FileError, ImageReadError
from labeler.core.image_io import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    list_images,
    read_image,
    read_image_downscaled,
    read_image_size,
)

RED, GREEN, GREY = (0, 0, 255), (0, 255, 0), (128, 128, 128)


# --------------------------------------------------------------------------- file builders


def encode(ext: str, img: np.ndarray, *params: int) -> bytes:
    ok, buf = cv2.imencode(ext, img, list(params))
    assert ok
    return buf.tobytes()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(w: int, h: int, depth: int, color_type: int, rows: list[bytes], chunks: tuple = ()) -> bytes:
    """A PNG by hand, for kinds cv2.imencode cannot write (grey+alpha, palette, eXIf, huge headers)."""
    raw = b"".join(b"\0" + r for r in rows)  # filter type 0 per row
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 0))
    idat = png_chunk(b"IDAT", zlib.compress(raw))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(chunks) + idat + png_chunk(b"IEND", b"")


def exif_tiff(orientation: int, order: str = "<") -> bytes:
    """A minimal EXIF (TIFF) block: IFD0 with only the Orientation tag (0x0112, SHORT)."""
    head = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", 42, 8)
    return head + struct.pack(order + "HHHIHHI", 1, 0x0112, 3, 1, orientation, 0, 0)


def jpeg_with_exif(img: np.ndarray, orientation: int, order: str = "<") -> bytes:
    jpg = encode(".jpg", img, cv2.IMWRITE_JPEG_QUALITY, 95)
    payload = b"Exif\0\0" + exif_tiff(orientation, order)
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpg[:2] + app1 + jpg[2:]  # APP1 right after SOI, as cameras write it


def png_with_exif(img: np.ndarray, orientation: int) -> bytes:
    png = encode(".png", img)
    return png[:33] + png_chunk(b"eXIf", exif_tiff(orientation)) + png[33:]  # after IHDR (8 + 25 bytes)


def webp_with_exif(img: np.ndarray, orientation: int) -> bytes:
    def chunk(kind, data):
        return kind + struct.pack("<I", len(data)) + data + b"\0" * (len(data) % 2)

    vp8l = encode(".webp", img, cv2.IMWRITE_WEBP_QUALITY, 101)[12:]  # lossless bitstream chunk
    h, w = img.shape[:2]
    vp8x = chunk(b"VP8X", bytes([0x08, 0, 0, 0]) + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little"))
    body = b"WEBP" + vp8x + vp8l + chunk(b"EXIF", exif_tiff(orientation))
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tiff_with_orientation(img: np.ndarray, orientation: int) -> bytes:
    """Uncompressed RGB TIFF with an Orientation tag (cv2.imencode never writes one)."""
    h, w = img.shape[:2]
    pixels = np.ascontiguousarray(img[..., ::-1]).tobytes()
    tags = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, 0), (259, 3, 1, 1), (262, 3, 1, 2), (273, 4, 1, 0),
            (274, 3, 1, orientation), (277, 3, 1, 3), (278, 3, 1, h), (279, 4, 1, len(pixels))]  # fmt: skip
    bps_at = 8 + 2 + 12 * len(tags) + 4
    out = b"II" + struct.pack("<HIH", 42, 8, len(tags))
    for tag, kind, count, value in tags:
        value = {258: bps_at, 273: bps_at + 6}.get(tag, value)
        inline_short = kind == 3 and count == 1  # SHORT values sit left-aligned in the 4-byte slot
        slot = struct.pack("<HH", value, 0) if inline_short else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + slot
    return out + struct.pack("<I", 0) + struct.pack("<HHH", 8, 8, 8) + pixels


def marked_image(w: int = 48, h: int = 32) -> np.ndarray:
    """Grey picture, red 16x16 block at its top-left, green block at its top-right: shows any flip/turn."""
    img = np.full((h, w, 3), GREY, np.uint8)
    img[:16, :16] = RED
    img[:16, -16:] = GREEN
    return img


# Reference for EXIF orientations, written independently of image_io (numpy views, not cv2).
AS_DISPLAYED = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: np.rot90(a, 2).swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}
# Where the stored top-left (red) and top-right (green) corners end up on screen, from the EXIF spec's table.
CORNERS = {1: ("tl", "tr"), 2: ("tr", "tl"), 3: ("br", "bl"), 4: ("bl", "br"),
           5: ("tl", "bl"), 6: ("tr", "br"), 7: ("br", "tr"), 8: ("bl", "tl")}  # fmt: skip


def corner(img: np.ndarray, where: str) -> np.ndarray:
    y = 8 if where[0] == "t" else img.shape[0] - 8
    x = 8 if where[1] == "l" else img.shape[1] - 8
    return img[y, x].astype(int)


# --------------------------------------------------------------------------- plain formats


@pytest.mark.parametrize("ext", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_formats_round_trip_exactly(tmp_path, ext):
    img = np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    params = (cv2.IMWRITE_WEBP_QUALITY, 101) if ext == ".webp" else ()
    path = write(tmp_path / f"a{ext}", encode(ext, img, *params))
    out = read_image(path)
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, img)
    assert read_image_size(path) == (50, 30)


@pytest.mark.parametrize("progressive", [0, 1])
def test_jpeg_reads_as_bgr_and_size_from_header(tmp_path, progressive):
    img = marked_image()
    data = encode(".jpg", img, cv2.IMWRITE_JPEG_QUALITY, 95, cv2.IMWRITE_JPEG_PROGRESSIVE, progressive)
    path = write(tmp_path / "a.jpg", data)
    out = read_image(str(path))
    assert out.shape == (32, 48, 3) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - img).mean() < 3
    assert read_image_size(str(path)) == (48, 32)


def test_non_ascii_path_never_uses_cv2_imread(tmp_path, monkeypatch):
    monkeypatch.setattr(cv2, "imread", lambda *a, **k: pytest.fail("cv2.imread(path) breaks on Windows"))
    folder = tmp_path / "扫描 文件 😀"
    path = write(folder / "图片 ✓ 1.png", encode(".png", marked_image()))
    np.testing.assert_array_equal(read_image(path), marked_image())
    assert read_image_size(path) == (48, 32)
    assert read_image_downscaled(path, 24)[0].shape == (16, 24, 3)
    assert list_images(folder) == [path]


def test_grayscale_becomes_three_equal_channels(tmp_path):
    grey = np.tile(np.arange(0, 250, 10, dtype=np.uint8), (8, 1))
    for ext in (".png", ".jpg", ".tif"):
        out = read_image(write(tmp_path / f"g{ext}", encode(ext, grey)))
        assert out.shape == (8, 25, 3)
        np.testing.assert_array_equal(out[..., 0], out[..., 1])
        np.testing.assert_array_equal(out[..., 1], out[..., 2])
        assert np.abs(out[..., 0].astype(int) - grey).max() <= (0 if ext != ".jpg" else 8)


def test_one_bit_png(tmp_path):
    path = write(tmp_path / "bits.png", png_bytes(8, 1, 1, 0, [bytes([0b10100000])]))
    assert read_image(path)[0, :, 0].tolist() == [255, 0, 255, 0, 0, 0, 0, 0]


# --------------------------------------------------------------------------- alpha, palette, depth


def test_bgra_is_composited_over_white(tmp_path):
    img = np.zeros((1, 4, 4), np.uint8)  # black everywhere; alpha decides
    img[0, 1, 3] = 255
    img[0, 2] = (0, 0, 255, 128)
    img[0, 3] = (0, 0, 0, 255)
    out = read_image(write(tmp_path / "a.png", encode(".png", img)))
    assert out[0].tolist() == [[255, 255, 255], [0, 0, 0], [127, 127, 255], [0, 0, 0]]


def test_black_text_on_transparent_background_stays_readable(tmp_path):
    img = np.zeros((40, 120, 4), np.uint8)  # transparent black: cv2's IMREAD_COLOR would give all black
    cv2.putText(img, "Hi", (5, 32), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 0, 0, 255), 3)
    out = read_image(write(tmp_path / "text.png", encode(".png", img)))
    ink = img[..., 3] > 0
    assert out[~ink].min() == 255 and out[img[..., 3] == 255].max() == 0


def test_grey_plus_alpha_png(tmp_path):
    path = write(tmp_path / "la.png", png_bytes(3, 1, 8, 4, [bytes([0, 0, 0, 255, 200, 0])]))
    assert read_image(path)[0].tolist() == [[255] * 3, [0] * 3, [255] * 3]


def test_sixteen_bit_rgba_png(tmp_path):
    img = np.zeros((1, 2, 4), np.uint16)
    img[0, 0] = (65535, 0, 0, 65535)  # opaque blue
    img[0, 1] = (0, 0, 0, 0)  # transparent
    assert read_image(write(tmp_path / "a.png", encode(".png", img)))[0].tolist() == [[255, 0, 0], [255] * 3]


def test_fully_transparent_alpha_is_ignored_not_a_blank_page(tmp_path):
    img = np.zeros((4, 4, 4), np.uint8)
    img[..., 2] = 200  # red content with an unused (zero) alpha byte, as 32-bit BMPs often have
    out = read_image(write(tmp_path / "a.bmp", encode(".bmp", img)))
    assert out[0, 0].tolist() == [0, 0, 200]


def test_palette_png_with_and_without_transparency(tmp_path):
    palette = png_chunk(b"PLTE", bytes([255, 0, 0, 0, 0, 255]))  # RGB: red, blue
    rows = [bytes([0, 1])]
    out = read_image(write(tmp_path / "p.png", png_bytes(2, 1, 8, 3, rows, (palette,))))
    assert out[0].tolist() == [[0, 0, 255], [255, 0, 0]]
    trns = png_chunk(b"tRNS", bytes([0]))  # palette entry 0 fully transparent
    out = read_image(write(tmp_path / "pt.png", png_bytes(2, 1, 8, 3, rows, (palette, trns))))
    assert out[0].tolist() == [[255, 255, 255], [255, 0, 0]]


def test_sixteen_bit_full_range_is_shifted_by_eight(tmp_path):
    grey = np.array([[0, 256, 32768, 65535]], np.uint16)
    for ext in (".png", ".tif"):
        assert read_image(write(tmp_path / f"a{ext}", encode(ext, grey)))[0, :, 0].tolist() == [0, 1, 128, 255]


def test_twelve_bit_data_in_sixteen_bit_file_is_not_darkened(tmp_path):
    grey = np.array([[0, 16, 2048, 4095]], np.uint16)
    assert read_image(write(tmp_path / "a.png", encode(".png", grey)))[0, :, 0].tolist() == [0, 1, 128, 255]


def test_sixteen_bit_colour_tiff(tmp_path):
    img = np.zeros((2, 2, 3), np.uint16)
    img[0, 0] = (65535, 32768, 0)
    assert read_image(write(tmp_path / "a.tiff", encode(".tiff", img)))[0, 0].tolist() == [255, 128, 0]


def test_float_tiff(tmp_path):
    unit = np.array([[0.0, 0.5, 1.0]], np.float32)
    assert read_image(write(tmp_path / "f.tif", encode(".tif", unit)))[0, :, 0].tolist() == [0, 128, 255]
    wide = np.array([[-5.0, 100.0, 300.0]], np.float32)  # already 0..255-ish: clipped, not rescaled
    assert read_image(write(tmp_path / "w.tif", encode(".tif", wide)))[0, :, 0].tolist() == [0, 100, 255]


# --------------------------------------------------------------------------- EXIF orientation


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("order", ["<", ">"])
def test_jpeg_exif_orientation(tmp_path, orientation, order):
    img = marked_image()
    plain = read_image(write(tmp_path / "plain.jpg", encode(".jpg", img, cv2.IMWRITE_JPEG_QUALITY, 95)))
    path = write(tmp_path / f"o{orientation}.jpg", jpeg_with_exif(img, orientation, order))
    out = read_image(path)
    np.testing.assert_array_equal(out, AS_DISPLAYED[orientation](plain))  # same decoder: exact
    red_at, green_at = CORNERS[orientation]
    assert np.abs(corner(out, red_at) - RED).max() < 40
    assert np.abs(corner(out, green_at) - GREEN).max() < 40
    assert read_image_size(path) == (out.shape[1], out.shape[0])


@pytest.mark.parametrize(
    "name, build, orientation",
    [("a.png", png_with_exif, 6), ("b.webp", webp_with_exif, 8), ("c.tif", tiff_with_orientation, 7)],
)
def test_orientation_in_png_webp_tiff(tmp_path, name, build, orientation):
    img = marked_image()
    path = write(tmp_path / name, build(img, orientation))
    out = read_image(path)
    np.testing.assert_array_equal(out, AS_DISPLAYED[orientation](img))
    assert read_image_size(path) == (32, 48)


def test_sizes_come_from_headers_without_decoding(tmp_path, monkeypatch):
    paths = {
        write(tmp_path / "a.jpg", jpeg_with_exif(marked_image(), 6)): (32, 48),
        write(tmp_path / "b.png", png_with_exif(marked_image(), 8)): (32, 48),
        write(tmp_path / "c.webp", webp_with_exif(marked_image(), 1)): (48, 32),
        write(tmp_path / "d.webp", encode(".webp", marked_image(), cv2.IMWRITE_WEBP_QUALITY, 80)): (48, 32),
        write(tmp_path / "e.bmp", encode(".bmp", marked_image())): (48, 32),
        write(tmp_path / "f.tif", tiff_with_orientation(marked_image(), 5)): (32, 48),
    }
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("read_image_size decoded pixels"))
    assert {p: read_image_size(p) for p in paths} == paths


# --------------------------------------------------------------------------- errors


def _truncated(ext: str, cut: float):
    """Keep the first `cut` fraction of the file, or drop its last `cut` bytes when cut >= 1."""

    def build(tmp_path):
        data = encode(ext, marked_image(300, 200), *((cv2.IMWRITE_PNG_COMPRESSION, 0) if ext == ".png" else ()))
        return write(tmp_path / f"cut{ext}", data[: int(len(data) * cut)] if cut < 1 else data[: -int(cut)])

    return build


def _truncated_progressive_jpeg(tmp_path):
    data = encode(".jpg", marked_image(300, 200), cv2.IMWRITE_JPEG_PROGRESSIVE, 1)
    return write(tmp_path / "prog.jpg", data[: int(len(data) * 0.8)])


def _truncated_jpeg_with_thumbnail(tmp_path):
    # The EXIF block carries a thumbnail that has its own FFD9; only an FFD9 after the scan data counts.
    data = encode(".jpg", marked_image(300, 200))
    payload = b"Exif\0\0" + exif_tiff(1) + encode(".jpg", marked_image(16, 16))
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return write(tmp_path / "thumb.jpg", (data[:2] + app1 + data[2:])[:-2])


def _corrupt_png_crc(tmp_path):
    data = bytearray(encode(".png", marked_image()))
    data[data.find(b"IDAT") + 10] ^= 0xFF
    return write(tmp_path / "crc.png", bytes(data))


def _jpeg_bad_component_count(tmp_path):
    data = bytearray(encode(".jpg", marked_image()))
    data[data.find(b"\xff\xc0") + 9] = 0
    return write(tmp_path / "sof.jpg", bytes(data))


def _jpeg_broken_marker(tmp_path):
    data = bytearray(encode(".jpg", marked_image()))
    at = data.find(b"\xff\xdb")
    data[at : at + 4] = b"\x12\x34\x56\x78"
    return write(tmp_path / "marker.jpg", bytes(data))


BAD_FILES = {
    "missing": lambda t: t / "nope.png",
    "directory": lambda t: (t / "folder.jpg").mkdir() or t / "folder.jpg",
    "empty": lambda t: write(t / "empty.png", b""),
    "text as png": lambda t: write(t / "notes.png", b"hello, this is text\n" * 20),
    "text as jpg": lambda t: write(t / "notes.jpg", b"hello\n"),
    "random bytes": lambda t: write(t / "noise.jpg", np.random.default_rng(1).bytes(4000)),
    "png signature only": lambda t: write(t / "sig.png", b"\x89PNG\r\n\x1a\n"),
    "truncated jpeg": _truncated(".jpg", 0.6),
    "jpeg missing EOI": _truncated(".jpg", 2),
    "truncated progressive jpeg": _truncated_progressive_jpeg,
    "jpeg with thumbnail missing EOI": _truncated_jpeg_with_thumbnail,
    "truncated png": _truncated(".png", 0.6),
    "png missing IEND": _truncated(".png", 12),
    "png IEND cut short": _truncated(".png", 1),
    "truncated webp": _truncated(".webp", 0.7),
    "truncated bmp": _truncated(".bmp", 0.7),
    "truncated tiff": _truncated(".tif", 0.5),
    "png bad crc": _corrupt_png_crc,
    "jpeg no components": _jpeg_bad_component_count,
    "jpeg broken marker": _jpeg_broken_marker,
}
NO_HEADER = ["missing", "directory", "empty", "text as png", "text as jpg", "random bytes", "png signature only"]


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_bad_files_raise_image_read_error_naming_the_file(tmp_path, case):
    path = BAD_FILES[case](tmp_path)
    # read_image_size reads only the header, so it can only fail where the header itself is unusable.
    readers = [read_image, lambda p: read_image_downscaled(p, 16)] + ([read_image_size] if case in NO_HEADER else [])
    for reader in readers:
        with pytest.raises(ImageReadError) as info:
            reader(path)
        assert path.name in str(info.value) and info.value.path == str(path)


TRUNCATED = ["truncated jpeg", "jpeg missing EOI", "truncated progressive jpeg", "jpeg with thumbnail missing EOI",
             "truncated png", "png missing IEND", "png IEND cut short", "truncated webp", "truncated bmp"]  # fmt: skip


@pytest.mark.parametrize("case", TRUNCATED)
def test_truncation_is_caught_even_if_cv2_returns_grey(tmp_path, monkeypatch, case):
    # Older OpenCV builds decode truncated files "successfully", grey-filling the missing part.
    path = BAD_FILES[case](tmp_path)
    monkeypatch.setattr(cv2, "imdecode", lambda buf, flags: np.full((200, 300, 3), 128, np.uint8))
    with pytest.raises(ImageReadError, match="truncated"):
        read_image(path)


def test_jpeg_with_trailing_padding_still_loads(tmp_path):
    data = encode(".jpg", marked_image())
    out = read_image(write(tmp_path / "pad.jpg", data + b"\0" * 64 + b"camera trailer"))
    assert out.shape == (32, 48, 3)


# --------------------------------------------------------------------------- size limits


def test_max_pixels_refuses_with_the_size_in_the_message(tmp_path):
    path = write(tmp_path / "big.png", encode(".png", np.zeros((100, 120, 3), np.uint8)))
    with pytest.raises(ImageReadError, match=r"120 x 100") as info:
        read_image(path, max_pixels=10_000)
    assert "big.png" in str(info.value)
    assert read_image(path, max_pixels=12_000).shape == (100, 120, 3)


def _absurd_png(tmp_path):
    return write(tmp_path / "absurd.png", png_bytes(50000, 50000, 8, 0, [b"\0" * 10]))


def _absurd_jpeg(tmp_path):
    data = bytearray(encode(".jpg", marked_image()))
    at = data.find(b"\xff\xc0") + 5
    data[at : at + 4] = struct.pack(">HH", 50000, 50000)  # SOF0: height, width
    return write(tmp_path / "absurd.jpg", bytes(data))


@pytest.mark.parametrize("build", [_absurd_png, _absurd_jpeg])
def test_absurd_header_size_is_refused_before_decoding(tmp_path, monkeypatch, build):
    path = build(tmp_path)
    assert read_image_size(path) == (50000, 50000)
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("decoded a 2.5 gigapixel image"))
    with pytest.raises(ImageReadError, match="50000 x 50000") as info:
        read_image(path)
    assert path.name in str(info.value)
    assert 15000 * 15000 <= DEFAULT_MAX_PIXELS < 50000 * 50000


# --------------------------------------------------------------------------- downscaled reads


def halves(w: int, h: int) -> np.ndarray:
    img = np.full((h, w, 3), GREEN, np.uint8)
    img[:, : w // 2] = RED
    return img


def test_downscaled_jpeg_uses_libjpeg_reduction(tmp_path, monkeypatch):
    path = write(tmp_path / "a.jpg", jpeg_with_exif(halves(800, 600), 6))
    seen = []
    real = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda buf, flags: seen.append(flags) or real(buf, flags))
    img, scale = read_image_downscaled(path, 100)
    assert seen == [cv2.IMREAD_REDUCED_COLOR_8 | cv2.IMREAD_IGNORE_ORIENTATION]
    assert img.shape == (100, 75, 3) and scale == 0.125  # turned by EXIF 6: 600 wide, 800 high
    assert np.abs(img[5, 37].astype(int) - RED).max() < 40  # stored left half is on top after turning
    assert np.abs(img[95, 37].astype(int) - GREEN).max() < 40


def test_downscaled_picks_the_smallest_reduction_that_keeps_max_side(tmp_path, monkeypatch):
    path = write(tmp_path / "a.jpg", encode(".jpg", marked_image(800, 600)))
    seen = []
    real = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda buf, flags: seen.append(flags) or real(buf, flags))
    img, scale = read_image_downscaled(path, 300)  # 1/2 gives 400 >= 300; 1/4 would give 200 < 300
    assert seen == [cv2.IMREAD_REDUCED_COLOR_2 | cv2.IMREAD_IGNORE_ORIENTATION]
    assert img.shape == (225, 300, 3) and scale == pytest.approx(300 / 800)


def test_downscaled_png_and_small_images(tmp_path):
    img = halves(480, 320)
    path = write(tmp_path / "a.png", encode(".png", img))
    small, scale = read_image_downscaled(path, 48)
    assert small.shape == (32, 48, 3) and scale == pytest.approx(0.1)
    assert small[16, 5].tolist() == list(RED) and small[16, 42].tolist() == list(GREEN)
    same, scale = read_image_downscaled(path, 1000)
    assert scale == 1.0
    np.testing.assert_array_equal(same, img)


# --------------------------------------------------------------------------- huge images


def _peak_rss_growth(code: str, path: Path) -> dict:
    """Run `code` in a fresh interpreter; return its JSON output plus its peak RSS growth in bytes."""
    pytest.importorskip("resource")
    script = (
        "import json, resource, sys\n"
        "from labeler.core.image_io import read_image, read_image_downscaled\n"
        "unit = 1 if sys.platform == 'darwin' else 1024\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"out = {code}\n"
        "out['peak_growth'] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * unit\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory) -> Path:
    """15000 x 15000 white greyscale PNG with a black bar, streamed through zlib (about 1 MB on disk)."""
    side, path = 15000, tmp_path_factory.mktemp("huge") / "huge.png"
    white = b"\0" + b"\xff" * side
    bar = b"\0" + b"\xff" * 1000 + b"\0" * 4000 + b"\xff" * (side - 5000)
    deflate, parts = zlib.compressobj(1), []
    for y in range(side):
        parts.append(deflate.compress(bar if 7000 <= y < 7200 else white))
    parts.append(deflate.flush())
    idat = b"".join(png_chunk(b"IDAT", p) for p in parts if p)
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
    return write(path, b"\x89PNG\r\n\x1a\n" + ihdr + idat + png_chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def huge_jpeg(tmp_path_factory) -> Path:
    img = np.full((15000, 15000), 255, np.uint8)
    img[7000:7200, 1000:5000] = 0
    return write(tmp_path_factory.mktemp("huge") / "huge.jpg", encode(".jpg", img, cv2.IMWRITE_JPEG_QUALITY, 80))


def test_15000_square_png_loads_without_extra_full_size_copies(huge_png):
    code = "(lambda im: {'shape': im.shape, 'bar': im[7100, 3000].tolist(), 'white': im[9, 9].tolist()})"
    out = _peak_rss_growth(code + "(read_image(sys.argv[1]))", huge_png)
    assert out["shape"] == [15000, 15000, 3] and out["bar"] == [0, 0, 0] and out["white"] == [255, 255, 255]
    # Grey decode (cv2 briefly holds 2 x 225 MB) then the 675 MB BGR result; a float step or one more
    # full-size copy would add 675 MB or more.
    grey, bgr = 15000 * 15000, 15000 * 15000 * 3
    print(f"peak RSS growth {out['peak_growth'] / 2**20:.0f} MiB")
    assert out["peak_growth"] < 1.15 * (grey + bgr), f"peak RSS grew {out['peak_growth'] / 2**20:.0f} MiB"


def test_15000_square_jpeg_downscaled_never_decodes_full_size(huge_jpeg):
    code = "(lambda r: {'shape': r[0].shape, 'scale': r[1], 'bar': r[0][947, 400].tolist()})"
    out = _peak_rss_growth(code + "(read_image_downscaled(sys.argv[1], 2000))", huge_jpeg)
    assert out["shape"] == [2000, 2000, 3] and out["scale"] == pytest.approx(2000 / 15000)
    assert max(out["bar"]) < 60
    assert out["peak_growth"] < 100 * 2**20, f"peak RSS grew {out['peak_growth'] / 2**20:.0f} MiB"
    assert read_image_size(huge_jpeg) == (15000, 15000)


# --------------------------------------------------------------------------- listing


def test_list_images_natural_order_non_recursive_no_hidden(tmp_path):
    png = encode(".png", marked_image())
    names = ["img10.png", "img2.png", "img1.jpg", "IMG3.JPEG", "scan (10).tif", "scan (9).tif", "b.webp", "c.BMP"]
    expected = ["b.webp", "c.BMP", "img1.jpg", "img2.png", "IMG3.JPEG", "img10.png", "scan (9).tif", "scan (10).tif"]
    for name in names + [".hidden.png", "notes.txt", "sub/img4.png"]:
        write(tmp_path / name, png)
    (tmp_path / "img5.png").mkdir()  # a folder with an image-like name is not an image
    assert [p.name for p in list_images(tmp_path)] == expected
    assert {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"} <= IMAGE_EXTENSIONS
    assert all(ext == ext.lower() for ext in IMAGE_EXTENSIONS)


def test_list_images_missing_folder(tmp_path):
    with pytest.raises(FileError, match="nowhere"):
        list_images(tmp_path / "nowhere")
