"""Decompression bombs of every format OpenCV decodes: tiny files declaring huge sizes, misleadingly named.

Each is refused from its header before a pixel is allocated, fast and without memory growth, whatever its
extension says; normal files of every format still read, decoded exactly once. Only the public API is
used, so the file can be run against an older image_io to see which bombs it let through.
The builders are shared with benchmarks/image_bombs.py.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
import pytest

from labeler.core.errors import ImageReadError
from labeler.core.image_io import DEFAULT_MAX_PIXELS, read_image, read_image_downscaled, read_image_size

SIDE = 30000  # 900 MP declared: 2.7 GB as BGR, 3 times the 300 MP limit
REPO = Path(__file__).resolve().parents[2]


class Bomb(NamedTuple):
    data: bytes
    name: str  # a misleading file name: the extension is never the real format
    width: int
    height: int
    limit: int = DEFAULT_MAX_PIXELS  # formats that cannot declare over 300 MP are tried with a lower limit


# --------------------------------------------------------------------------- builders


def encode(ext: str, img: np.ndarray, *params: int) -> bytes:
    ok, buf = cv2.imencode(ext, img, list(params))
    assert ok
    return buf.tobytes()


def picture(w: int = 64, h: int = 40) -> np.ndarray:
    """Few flat colours (palette and 1-bit friendly), a red and a green block that show any flip."""
    img = np.full((h, w, 3), 128, np.uint8)
    img[:16, :16] = (0, 0, 255)
    img[:16, -16:] = (0, 255, 0)
    img[-8:, :] = 255
    return img


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def gif(w: int, h: int) -> bytes:
    """A GIF with a w x h logical screen holding one 1x1 frame (OpenCV allocates and fills the screen)."""
    screen = b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) + b"\0\0\0\xff\xff\xff"  # 2-colour table
    frame = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"  # LZW: clear, 0, end
    return screen + frame + b";"


def tiff(w: int, h: int, order: str = "<", big: bool = False, kind: int = 3, extra: tuple = (),
         first: tuple = (), pixels: bytes = bytes(range(12))) -> bytes:  # fmt: skip
    """A greyscale TIFF by hand, one strip of `pixels`. `kind`: the type of the width and length tags."""
    rows = len(pixels) // w if len(pixels) == w * h else 3
    tags = [*first, (256, kind, w), (257, kind, h), (258, 3, 8), (259, 3, 1), (262, 3, 1), (273, 4, "DATA"),
            (277, 3, 1), (278, 4, rows), (279, 4, len(pixels)), *extra]  # fmt: skip
    head = (b"II" if order == "<" else b"MM") + (struct.pack(order + "HHHQ", 43, 8, 0, 16) if big else
                                                 struct.pack(order + "HI", 42, 8))  # fmt: skip
    entry, slot, count = (20, 8, "Q") if big else (12, 4, "I")
    data_at = len(head) + (8 if big else 2) + entry * len(tags) + slot
    out = head + struct.pack(order + ("Q" if big else "H"), len(tags))
    for tag, kind_, value in tags:
        value = data_at if value == "DATA" else value
        code = {1: "B", 3: "H", 4: "I", 8: "h", 9: "i", 16: "Q"}[kind_]
        out += struct.pack(order + "HH" + count, tag, kind_, 1) + struct.pack(order + code, value).ljust(slot, b"\0")
    return out + b"\0" * slot + pixels


def tiff_strips(w: int, h: int, rows: int = 250) -> bytes:
    """A real bomb: a 1-bit deflate TIFF whose strips all point at one compressed block of blank rows.

    2 KB decode to w x h (the sizes are typed SLONG, which libtiff accepts: the old header check missed it).
    """
    strips = -(-h // rows)
    block = zlib.compress(b"\0" * ((w + 7) // 8 * rows), 9)
    tags = [(256, 9, 1, w), (257, 9, 1, h), (258, 3, 1, 1), (259, 3, 1, 8), (262, 3, 1, 1), (273, 4, strips, 0),
            (277, 3, 1, 1), (278, 4, 1, rows), (279, 4, strips, 1)]  # fmt: skip
    tables = 8 + 2 + 12 * len(tags) + 4  # StripOffsets, then StripByteCounts, then the block
    out = b"II" + struct.pack("<HIH", 42, 8, len(tags))
    for tag, kind, n, value in tags:
        value = tables + 4 * strips * value if tag in (273, 279) else value
        slot = struct.pack("<" + {3: "H", 4: "I", 9: "i"}[kind], value).ljust(4, b"\0")
        out += struct.pack("<HHI", tag, kind, n) + slot
    offsets = struct.pack(f"<{strips}I", *[tables + 8 * strips] * strips)
    return out + b"\0" * 4 + offsets + struct.pack(f"<{strips}I", *[len(block)] * strips) + block


def jpeg_sof(marker: int, w: int, h: int) -> bytes:
    """SOI, one SOFn frame header (any of the 13 kinds), SOS, a little data, EOI."""
    sof = bytes([0xFF, marker]) + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + sof + sos + b"\x12\x34" * 8 + b"\xff\xd9"


def patched(data: bytes, at: int, fmt: str, *values: int) -> bytes:
    return data[:at] + struct.pack(fmt, *values) + data[at + struct.calcsize(fmt) :]


def png_bomb(w: int, h: int) -> bytes:
    data = encode(".png", picture())
    ihdr = b"IHDR" + struct.pack(">II", w, h) + data[24:29]
    return data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]


def webp_vp8x(w: int, h: int) -> bytes:
    vp8l = encode(".webp", picture(), cv2.IMWRITE_WEBP_QUALITY, 101)[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0" * 4 + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    body = b"WEBP" + vp8x + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_vp8l(w: int, h: int) -> bytes:
    data = encode(".webp", picture(), cv2.IMWRITE_WEBP_QUALITY, 101)
    bits = int.from_bytes(data[21:25], "little") & ~0xFFFFFFF | (w - 1) | (h - 1) << 14
    return patched(data, 21, "<I", bits)


def webp_vp8(w: int, h: int) -> bytes:
    data = encode(".webp", picture(), cv2.IMWRITE_WEBP_QUALITY, 80)
    return patched(data, 26, "<HH", w, h)  # after the 9D 01 2A start code


def jp2_codestream(data: bytes) -> bytes:
    return data[data.find(b"jp2c") + 4 :]


def jpeg2000(w: int, h: int, codestream_only: bool = False) -> bytes:
    data = encode(".jp2", picture())
    data = patched(data, data.find(b"\xff\x4f\xff\x51") + 8, ">II", w, h)  # SIZ: Xsiz, Ysiz
    return jp2_codestream(data) if codestream_only else data


def avif(w: int, h: int) -> bytes:
    data = encode(".avif", picture())
    return patched(data, data.find(b"ispe") + 8, ">II", w, h)


def bmp(w: int, h: int, os2: bool = False) -> bytes:
    """An 8-bit RLE BMP whose pixel data is one end-of-bitmap code (the rest is background)."""
    if os2:  # BITMAPCOREHEADER: 12 bytes, 16-bit sizes, uncompressed
        return b"BM" + struct.pack("<IHHI", 40, 0, 0, 32) + struct.pack("<IHHHH", 12, w, h, 1, 8) + b"\0" * 14
    info = struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 8, 1, 2, 2835, 2835, 2, 0)  # compression 1: RLE8
    palette, pixels = b"\0\0\0\0\xff\xff\xff\0", b"\x00\x01"
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels


def sunras(w: int, h: int) -> bytes:
    return struct.pack(">8I", 0x59A66A95, w, h, 8, 0, 1, 0, 0) + b"\0" * 64


def pnm(w: int, h: int, kind: int) -> bytes:
    maxval = b"" if kind in (1, 4) else b"255\n"
    return b"P%d\n# a comment line\n%d %d\n%s" % (kind, w, h, maxval) + b"\0" * 64


def pam(w: int, h: int) -> bytes:
    return b"P7\nWIDTH %d\nHEIGHT %d\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" % (w, h) + b"\0" * 64


def pfm(w: int, h: int) -> bytes:
    return b"PF\n%d %d\n-1.0\n" % (w, h) + b"\0" * 64


def hdr(w: int, h: int) -> bytes:
    return b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y %d +X %d\n" % (h, w) + b"\0" * 64


def _s(build: Callable[..., bytes], name: str, *args, limit: int = DEFAULT_MAX_PIXELS, w: int = SIDE,
       h: int = SIDE) -> Bomb:  # fmt: skip
    return Bomb(build(w, h, *args), name, w, h, limit)


BOMBS: dict[str, Callable[[], Bomb]] = {
    "gif as png": lambda: _s(gif, "scan.png"),
    "png as jpg": lambda: _s(png_bomb, "scan.jpg"),
    "jpeg baseline as png": lambda: Bomb(jpeg_sof(0xC0, SIDE, SIDE), "scan.png", SIDE, SIDE),
    "jpeg progressive as webp": lambda: Bomb(jpeg_sof(0xC2, SIDE, SIDE), "scan.webp", SIDE, SIDE),
    "bmp as tif": lambda: _s(bmp, "scan.tif"),
    "bmp os2 as png": lambda: _s(bmp, "scan.png", True),
    "tiff II as jpg": lambda: _s(tiff, "scan.jpg"),
    "tiff MM long as png": lambda: _s(tiff, "scan.png", ">", False, 4),
    "tiff signed long size": lambda: _s(tiff, "scan.png", "<", False, 9),
    "tiff deflate strips as png": lambda: _s(tiff_strips, "scan.png"),
    "tiff duplicate size tags": lambda: Bomb(tiff(4, 3, first=((256, 3, SIDE), (257, 3, SIDE))), "d.png", SIDE, SIDE),
    "bigtiff II as png": lambda: _s(tiff, "scan.png", "<", True, 16),
    "bigtiff MM as jpg": lambda: _s(tiff, "scan.jpg", ">", True),
    "webp vp8x as png": lambda: _s(webp_vp8x, "scan.png"),
    "webp vp8l as jpg": lambda: _s(webp_vp8l, "scan.jpg", limit=10**8, w=16000, h=16000),
    "webp vp8 as png": lambda: _s(webp_vp8, "scan.png", limit=10**8, w=16000, h=16000),
    "pbm ascii as png": lambda: _s(pnm, "scan.png", 1),
    "pbm binary as jpg": lambda: _s(pnm, "scan.jpg", 4),
    "pgm ascii as png": lambda: _s(pnm, "scan.png", 2),
    "pgm binary as png": lambda: _s(pnm, "scan.png", 5),
    "ppm ascii as bmp": lambda: _s(pnm, "scan.bmp", 3),
    "ppm binary as png": lambda: _s(pnm, "scan.png", 6),
    "pam as png": lambda: _s(pam, "scan.png"),
    "pfm as tif": lambda: _s(pfm, "scan.tif"),
    "hdr as jpg": lambda: _s(hdr, "scan.jpg"),
    "sun raster as png": lambda: _s(sunras, "scan.png"),
    "jp2 as png": lambda: _s(jpeg2000, "scan.png"),
    "j2k codestream as jpg": lambda: _s(jpeg2000, "scan.jpg", True),
    "avif as png": lambda: _s(avif, "scan.png"),
}


def write_bomb(folder: Path, case: str) -> tuple[Path, Bomb]:
    bomb = BOMBS[case]()
    path = folder / case.replace(" ", "_") / bomb.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bomb.data)
    return path, bomb


def assert_refused_for_its_size(info: pytest.ExceptionInfo, path: Path, bomb: Bomb) -> None:
    message = str(info.value)
    assert info.value.path == str(path) and path.name in message
    assert f"{bomb.width} x {bomb.height}" in message, message
    assert f"limit {bomb.limit:,}" in message, message


# --------------------------------------------------------------------------- refused before decoding


def test_bombs_are_tiny():
    sizes = {case: len(BOMBS[case]().data) for case in BOMBS}
    assert max(sizes.values()) < 4000, sizes


@pytest.mark.parametrize("case", BOMBS)
def test_bomb_is_refused_from_its_header_never_decoded(tmp_path, monkeypatch, case):
    path, bomb = write_bomb(tmp_path, case)
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail(f"decoded a {bomb.width} x {bomb.height} image"))
    with pytest.raises(ImageReadError) as info:
        read_image(path, max_pixels=bomb.limit)
    assert_refused_for_its_size(info, path, bomb)
    # The image list and exports read sizes only: the header answers, nothing is decoded.
    assert read_image_size(path) == (bomb.width, bomb.height)
    if bomb.limit == DEFAULT_MAX_PIXELS and not case.startswith("jpeg"):  # JPEGs decode at 1/8 size there
        with pytest.raises(ImageReadError) as info:
            read_image_downscaled(path, 1000)
        assert_refused_for_its_size(info, path, bomb)


@pytest.mark.parametrize(
    "marker",
    [0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF],
    ids=lambda m: f"SOF{m - 0xC0}",
)
def test_every_jpeg_frame_type_is_sized(tmp_path, monkeypatch, marker):
    path = tmp_path / "frame.gif"
    path.write_bytes(jpeg_sof(marker, 40000, 9000))
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("decoded"))
    with pytest.raises(ImageReadError, match="40000 x 9000"):
        read_image(path)
    assert read_image_size(path) == (40000, 9000)


def test_tiff_tile_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    # A 4 x 3 image whose declared tiles are 20000 x 20000: OpenCV sizes its tile buffer from the tags.
    path = tmp_path / "tiles.png"
    path.write_bytes(tiff(4, 3, extra=((322, 4, 20000), (323, 4, 20000))))
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("decoded"))
    with pytest.raises(ImageReadError, match=r"tile or strip of 20000 x 20000") as info:
        read_image(path)
    assert "tiles.png" in str(info.value) and f"limit {DEFAULT_MAX_PIXELS:,}" in str(info.value)


def test_the_limit_setting_still_applies_to_every_format(tmp_path):
    path = tmp_path / "small.png"
    path.write_bytes(gif(120, 100))
    with pytest.raises(ImageReadError, match=r"GIF header declares 120 x 100 = 12,000 pixels \(limit 10,000"):
        read_image(path, max_pixels=10_000)
    assert read_image(path, max_pixels=12_000).shape == (100, 120, 3)


# Content whose size cannot be read: refused by name, never handed to the decoder.
UNSIZABLE = {
    "openexr": (b"\x76\x2f\x31\x01" + b"\0" * 60, "OpenEXR"),
    "jpeg xl": (b"\xff\x0a" + b"\0" * 60, "JPEG XL"),
    "heic": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\0" * 40, "not a supported image"),
    "avif without ispe": (b"\x00\x00\x00\x14ftypavif\x00\x00\x00\x00avif" + b"\0" * 8, "AVIF without"),
    "pam without width": (b"P7\nHEIGHT 5\nDEPTH 1\nMAXVAL 255\nENDHDR\n" + b"\0" * 40, "WIDTH or HEIGHT"),
    "pam without end": (b"P7\nWIDTH 5\nHEIGHT 5\n", "no ENDHDR"),
    "pgm without size": (b"P5\n# only a comment\n", "no size"),
    "hdr without size": (b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n\0\0\0\0", "no resolution line"),
    "jp2 without codestream": (b"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x0cjunk\0\0\0\0", "no codestream"),
    "j2k with 5 components": (
        b"\xff\x4f\xff\x51\x00\x2f\x00\x00" + struct.pack(">8IH", 9, 9, 0, 0, 9, 9, 0, 0, 5) + b"\x07\x01\x01" * 5,
        "5 components",
    ),  # fmt: skip
    "tiff without width": (tiff(4, 3)[:8] + struct.pack("<H", 0) + b"\0" * 8, "ImageWidth"),
    "gif unknown version": (b"GIF90a" + b"\0" * 30, "unknown version"),
    "raw webp bitstream": (encode(".webp", picture(), cv2.IMWRITE_WEBP_QUALITY, 101)[20:], "unrecognised"),
}


@pytest.mark.parametrize("case", UNSIZABLE)
def test_content_whose_size_cannot_be_read_is_refused_undecoded(tmp_path, monkeypatch, case):
    data, reason = UNSIZABLE[case]
    path = tmp_path / "odd.png"
    path.write_bytes(data)
    monkeypatch.setattr(cv2, "imdecode", lambda *a: pytest.fail("decoded content whose size was not checked"))
    for reader in (read_image, read_image_size, lambda p: read_image_downscaled(p, 100)):
        with pytest.raises(ImageReadError, match=reason) as info:
            reader(path)
        assert info.value.path == str(path)


# --------------------------------------------------------------------------- fast, and no memory growth


_CHILD = """
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from labeler.core.errors import ImageReadError
from labeler.core.image_io import read_image
# A regression fails on an allocation instead of taking the machine down: at most this much more address space.
mapped = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (mapped + int(sys.argv[2]), resource.RLIM_INFINITY))
unit = 1 if sys.platform == "darwin" else 1024
out = {}
for case, path, limit in json.loads(sys.stdin.read()):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        read_image(path, max_pixels=limit)
        error = None
    except ImageReadError as e:
        error = str(e)
    except Exception as e:  # noqa: BLE001 - reported, the test fails on it
        error = "not an ImageReadError: " + repr(e)
    seconds = time.perf_counter() - start
    # ru_maxrss is a high-water mark: a case's growth is how far it pushed the mark (0 when it stayed under).
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * unit
    out[case] = {"error": error, "seconds": seconds, "growth": growth}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def bomb_runs(tmp_path_factory) -> dict:
    """Every bomb read in one fresh interpreter (capped at 3 GB of address space): time and peak RSS growth."""
    pytest.importorskip("resource")
    folder = tmp_path_factory.mktemp("bombs")
    jobs = []
    for case in BOMBS:
        path, bomb = write_bomb(folder, case)
        jobs.append((case, str(path), bomb.limit))
    done = subprocess.run([sys.executable, "-c", _CHILD, str(REPO), str(3 << 30)], input=json.dumps(jobs),
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", BOMBS)
def test_bomb_is_refused_fast_and_without_memory(bomb_runs, case):
    run, bomb = bomb_runs[case], BOMBS[case]()
    assert run["error"] is not None and f"{bomb.width} x {bomb.height}" in run["error"], run
    assert run["seconds"] < 0.5, run
    assert run["growth"] < 32 * 2**20, f"peak RSS grew {run['growth'] / 2**20:.0f} MiB"


# --------------------------------------------------------------------------- normal files still read


def bigtiff_picture(img: np.ndarray) -> bytes:
    """A greyscale BigTIFF (cv2.imencode never writes one): the picture's green channel."""
    return tiff(img.shape[1], img.shape[0], big=True, kind=16, pixels=img[..., 1].tobytes())


def _normal_files() -> dict[str, tuple[bytes, np.ndarray, int]]:
    """name -> (file bytes, the picture read_image should return, the mean error allowed: 0 for lossless)."""
    img = picture()
    bw = np.where(img.min(axis=2, keepdims=True) > 200, 255, 0).repeat(3, axis=2).astype(np.uint8)
    grey3 = img[..., 1:2].repeat(3, axis=2)
    unit = img.astype(np.float32) / 255
    gif_data = encode(".gif", img)  # OpenCV's GIF encoder dithers to a fixed palette: compare with its decoder
    return {
        "bmp": (encode(".bmp", img), img, 0),
        "gif": (gif_data, cv2.imdecode(np.frombuffer(gif_data, np.uint8), cv2.IMREAD_COLOR), 0),  # dithered
        "avif": (encode(".avif", img), img, 3),
        "hdr": (encode(".hdr", unit), img, 1),
        "jpeg": (encode(".jpg", img, cv2.IMWRITE_JPEG_QUALITY, 95), img, 3),
        "jpeg progressive": (encode(".jpg", img, cv2.IMWRITE_JPEG_PROGRESSIVE, 1), img, 3),
        "webp lossless": (encode(".webp", img, cv2.IMWRITE_WEBP_QUALITY, 101), img, 0),
        "webp lossy": (encode(".webp", img, cv2.IMWRITE_WEBP_QUALITY, 90), img, 3),
        "sun raster": (encode(".ras", img), img, 0),
        "pbm ascii": (encode(".pbm", bw[..., 0], cv2.IMWRITE_PXM_BINARY, 0), bw, 0),
        "pbm binary": (encode(".pbm", bw[..., 0]), bw, 0),
        "pgm ascii": (encode(".pgm", img[..., 1], cv2.IMWRITE_PXM_BINARY, 0), grey3, 0),
        "pgm binary": (encode(".pgm", img[..., 1]), grey3, 0),
        "ppm ascii": (encode(".ppm", img, cv2.IMWRITE_PXM_BINARY, 0), img, 0),
        "ppm binary": (encode(".ppm", img), img, 0),
        "pam": (encode(".pam", img), img, 0),
        "pfm": (encode(".pfm", unit), img, 0),
        "tiff": (encode(".tif", img), img, 0),
        "bigtiff": (bigtiff_picture(img), grey3, 0),
        "png": (encode(".png", img), img, 0),
        "jp2": (encode(".jp2", img), img, 0),
        "j2k codestream": (jp2_codestream(encode(".jp2", img)), img, 0),
    }


NORMAL = _normal_files()


@pytest.mark.parametrize("case", NORMAL)
def test_normal_file_of_every_format_reads_and_is_decoded_once(tmp_path, monkeypatch, case):
    data, expected, tolerance = NORMAL[case]
    path = tmp_path / "picture.jpg"  # content decides, not the name
    path.write_bytes(data)
    calls = []
    real = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda buf, flags: calls.append(flags) or real(buf, flags))
    assert read_image_size(path) == (64, 40)
    assert calls == []  # sizes come from the header alone
    out = read_image(path)
    assert calls == [cv2.IMREAD_UNCHANGED]  # one decode, no probe decode first
    assert out.shape == (40, 64, 3) and out.dtype == np.uint8
    if tolerance == 0:
        np.testing.assert_array_equal(out, expected)
    else:
        assert np.abs(out.astype(int) - expected).mean() <= tolerance
