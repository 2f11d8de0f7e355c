"""Robust image reading: any path, EXIF orientation, alpha, 16-bit, huge images, typed errors.

Every reader returns an (H, W, 3) uint8 BGR array as the user sees the picture (orientation applied)
or raises ImageReadError naming the file. Headers are parsed here (JPEG, PNG, WebP, BMP, TIFF) so
sizes can be listed and absurd images refused without decoding, and truncated files are caught.
"""

from __future__ import annotations

import io
import re
import struct
from pathlib import Path
from typing import BinaryIO, NamedTuple

import cv2
import numpy as np

from labeler.core.errors import FileError, ImageReadError

__all__ = ["DEFAULT_MAX_PIXELS", "IMAGE_EXTENSIONS", "list_images", "read_image", "read_image_downscaled",
           "read_image_size"]  # fmt: skip

# 300 MP: a 15000 x 15000 scan (225 MP, 675 MB as BGR) loads; 50000 x 50000 (7.5 GB) is refused.
DEFAULT_MAX_PIXELS = 300_000_000

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp"})

_REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_ROWS_PER_CHUNK = 512  # alpha compositing works in bands so its uint16 temporaries stay small
# EXIF orientation -> the operation that shows the stored pixels as they should be displayed.
_ORIENT = {
    2: lambda im: cv2.flip(im, 1),
    3: lambda im: cv2.rotate(im, cv2.ROTATE_180),
    4: lambda im: cv2.flip(im, 0),
    5: cv2.transpose,
    6: lambda im: cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE),
    7: lambda im: cv2.flip(cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE), 1),
    8: lambda im: cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE),
}


class _Bad(Exception):
    """Internal: the bytes are not a valid/complete image; the message becomes an ImageReadError."""


class _Header(NamedTuple):
    fmt: str  # "jpeg" | "png" | "webp" | "bmp" | "tiff"
    width: int  # as stored, before orientation
    height: int
    orientation: int = 1  # EXIF value 1..8


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read `path` as an (H, W, 3) uint8 BGR array, EXIF orientation applied, alpha over white.

    Raises ImageReadError (naming the file) if it is missing, a folder, empty, not an image,
    corrupt, truncated, or has more than `max_pixels` pixels (checked from the header first).
    """
    path = Path(path)
    data = _read_bytes(path)
    return _decode_full(path, data, _checked_header(path, data), max_pixels)


def read_image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) as displayed (after EXIF orientation), from the header alone when possible."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            header = _probe(f, full=False)
    except (_Bad, OSError, struct.error):
        header = None  # missing, a folder, no usable header: the full read below reports the real problem
    if header is None:
        img = read_image(path)
        return img.shape[1], img.shape[0]
    return _displayed_size(header)


def read_image_downscaled(path: str | Path, max_side: int) -> tuple[np.ndarray, float]:
    """Read `path` so its longest side is <= max_side; return (image, scale) with scale = new / original.

    JPEGs are decoded at 1/2, 1/4 or 1/8 size by libjpeg when that still gives >= max_side pixels,
    so a huge scan never exists at full size in memory. Other formats are decoded fully, then resized.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    path = Path(path)
    data = _read_bytes(path)
    header = _checked_header(path, data)
    factor = 1
    if header is not None and header.fmt == "jpeg":  # only libjpeg can decode at reduced size
        factor = next((f for f in (8, 4, 2) if -(-max(header.width, header.height) // f) >= max_side), 1)
    if factor == 1:
        img = _decode_full(path, data, header, DEFAULT_MAX_PIXELS)
    else:
        _check_pixels(path, -(-header.width // factor), -(-header.height // factor), DEFAULT_MAX_PIXELS)
        img = _orient(_decode(path, data, _REDUCED[factor] | cv2.IMREAD_IGNORE_ORIENTATION, header), header)
    w, h = (img.shape[1], img.shape[0]) if header is None else _displayed_size(header)
    scale = min(1.0, max_side / max(w, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if (img.shape[1], img.shape[0]) != size:
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)  # INTER_AREA: no aliasing on thin strokes
    return img, scale


def list_images(folder: str | Path) -> list[Path]:
    """Image files directly in `folder` (not recursive, no hidden files), in natural order: img2 < img10."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileError(folder, "not a folder" if folder.exists() else "folder not found")
    found = [p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".")]
    return sorted((p for p in found if p.is_file()), key=_natural_key)


def _natural_key(p: Path) -> tuple:
    # re.split with a group alternates text/number, so positions always compare str with str, int with int.
    parts = re.split(r"(\d+)", p.name.casefold())
    return [int(t) if i % 2 else t for i, t in enumerate(parts)], p.name


def _read_bytes(path: Path) -> bytes:
    # Python's open() handles any Unicode path; cv2.imread(path) fails on non-ASCII paths on Windows.
    if path.is_dir():
        raise ImageReadError(path, "is a folder, not an image file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageReadError(path, "file not found") from None
    except OSError as e:  # permission denied, I/O error, ...
        raise ImageReadError(path, f"cannot read file: {e.strerror or e}") from None
    if not data:
        raise ImageReadError(path, "file is empty (0 bytes)")
    return data


def _checked_header(path: Path, data: bytes) -> _Header | None:
    """Parse the header and check the file is complete; None for formats we do not parse."""
    try:
        return _probe(io.BytesIO(data), full=True)
    except (_Bad, struct.error) as e:
        msg = str(e) if isinstance(e, _Bad) else "header is cut short (truncated file)"
        raise ImageReadError(path, msg) from None


def _check_pixels(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        msg = f"image is too large: {width} x {height} = {width * height:,} pixels (limit {max_pixels:,})"
        raise ImageReadError(path, msg)


def _decode_full(path: Path, data: bytes, header: _Header | None, max_pixels: int) -> np.ndarray:
    if header is not None:
        _check_pixels(path, header.width, header.height, max_pixels)  # before any pixel is allocated
    # UNCHANGED keeps alpha and 16 bits and leaves EXIF orientation to us (IMREAD_COLOR would rotate JPEG/PNG/
    # WebP itself). It is also leaner: cv2 peaks at 2x its output, so grey + GRAY2BGR beats decoding to BGR.
    img = _decode(path, data, cv2.IMREAD_UNCHANGED, header)
    _check_pixels(path, img.shape[1], img.shape[0], max_pixels)  # formats without a parsed header
    return _orient(_to_bgr8(img), header)


def _decode(path: Path, data: bytes, flags: int, header: _Header | None) -> np.ndarray:
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as e:
        raise ImageReadError(path, f"cannot decode image: {str(e).strip().splitlines()[-1]}") from None
    if img is None or img.size == 0:
        if header is None:
            raise ImageReadError(path, "not an image (unrecognised content) or an unsupported format")
        raise ImageReadError(path, f"corrupt {header.fmt.upper()} data: the decoder rejected it")
    return img


def _to_bgr8(img: np.ndarray) -> np.ndarray:
    """Any depth / channel count from cv2 -> uint8 BGR; alpha composited over white."""
    if img.dtype != np.uint8:
        img = _to_uint8(img)
    channels = 1 if img.ndim == 2 else img.shape[2]
    if channels == 1:
        return cv2.cvtColor(img.reshape(img.shape[:2]), cv2.COLOR_GRAY2BGR)
    if channels == 2:  # grey + alpha
        img = np.dstack([img[..., 0], img[..., 0], img[..., 0], img[..., 1]])
    elif channels == 3:
        return img
    return _over_white(img[..., :4])


def _to_uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype.kind == "f":
        img = np.nan_to_num(img, nan=0.0, posinf=0.0, neginf=0.0)
        scaled = img * 255.0 if img.max() <= 1.0 else img  # float images are 0..1 by convention, else 0..255
        return np.clip(scaled, 0, 255).round().astype(np.uint8)
    if img.dtype.kind == "i":
        img = np.clip(img, 0, None)
    # Shift by the data's real bit depth, not always 8: 10/12-bit scans in 16-bit files would be near black.
    shift = max(0, int(img.max()).bit_length() - 8)
    np.right_shift(img, shift, out=img)  # in place (img is ours): no second full-size wide copy
    return img.astype(np.uint8)


def _over_white(bgra: np.ndarray) -> np.ndarray:
    """Composite BGRA over white: dark text on a transparent background must stay readable."""
    alpha = bgra[..., 3]
    # All-opaque needs no blending; all-transparent is an unused alpha byte (32-bit BMP/TIFF), not a blank page.
    if alpha.min() == 255 or alpha.max() == 0:
        return cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR)
    out = np.empty(bgra.shape[:2] + (3,), np.uint8)
    for y in range(0, bgra.shape[0], _ROWS_PER_CHUNK):
        band = bgra[y : y + _ROWS_PER_CHUNK]
        # out = c*a/255 + 255*(1 - a/255) = 255 - (255 - c)*a/255, in integers (+127 rounds).
        ink = 255 - band[..., :3].astype(np.uint16)
        ink *= band[..., 3:4]
        ink += 127
        ink //= 255
        out[y : y + _ROWS_PER_CHUNK] = 255 - ink
    return out


def _displayed_size(header: _Header) -> tuple[int, int]:
    # Orientations 5..8 turn the picture by 90 degrees.
    return (header.height, header.width) if header.orientation >= 5 else (header.width, header.height)


def _orient(img: np.ndarray, header: _Header | None) -> np.ndarray:
    """Apply the EXIF orientation so the array looks as the photo should be displayed."""
    # OpenCV's TIFF decoder applies the TIFF Orientation tag itself (even with IMREAD_UNCHANGED).
    if header is None or header.fmt == "tiff" or header.orientation == 1:
        return img
    return _ORIENT[header.orientation](img)


def _probe(f: BinaryIO, full: bool) -> _Header | None:
    """Parse a header from `f`. With full=True also verify the file is complete (raises _Bad)."""
    head = f.read(16)
    f.seek(0)
    if head.startswith(b"\xff\xd8"):
        return _probe_jpeg(f, full)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _probe_png(f, full)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _probe_webp(f, full)
    if head[:2] == b"BM":
        return _probe_bmp(f, full)
    if head[:4] in (b"II*\0", b"MM\0*"):
        tags = _ifd0_tags(f)
        if tags.get(256) and tags.get(257):
            return _Header("tiff", tags[256], tags[257], tags[274])
    return None  # other formats (or BigTIFF): cv2 decides


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise _Bad("file is cut short (truncated)")
    return data


def _probe_jpeg(f: BinaryIO, full: bool) -> _Header:
    f.seek(2)
    orientation, size = 1, None
    while True:
        if _read(f, 1) != b"\xff":
            raise _Bad("corrupt JPEG: bad marker structure")
        marker = _read(f, 1)[0]
        while marker == 0xFF:  # fill bytes before a marker are allowed
            marker = _read(f, 1)[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers carry no length
            continue
        if marker == 0xD9:
            raise _Bad("corrupt JPEG: end marker before any image data")
        length = struct.unpack(">H", _read(f, 2))[0] - 2
        if length < 0:
            raise _Bad("corrupt JPEG: bad segment length")
        start = f.tell()
        if marker == 0xE1 and orientation == 1 and size is None:  # EXIF APP1 sits before the frame header
            payload = _read(f, length)
            if payload.startswith(b"Exif\0\0"):
                orientation = _ifd0_tags(io.BytesIO(payload[6:]))[274]
        elif marker in _JPEG_SOF and size is None:
            _precision, h, w = struct.unpack(">BHH", _read(f, 5))
            if w == 0 or h == 0:
                raise _Bad(f"JPEG declares an empty size {w} x {h}")
            size = (w, h)
            if not full:
                break
        elif marker == 0xDA:
            if size is None:
                raise _Bad("corrupt JPEG: image data before the frame header")
            # FFD9 cannot occur inside entropy-coded data (FF is stuffed as FF00), so any FFD9 after SOS
            # is the end marker; anything after it (padding, a camera's trailer) is allowed.
            if full and f.getvalue().find(b"\xff\xd9", f.tell()) < 0:  # full mode always gets a BytesIO
                raise _Bad("truncated JPEG: the end-of-image marker (FFD9) is missing")
            break
        f.seek(start + length)
    return _Header("jpeg", size[0], size[1], orientation)


def _probe_png(f: BinaryIO, full: bool) -> _Header:
    f.seek(8)
    length, kind = struct.unpack(">I4s", _read(f, 8))
    if kind != b"IHDR" or length != 13:
        raise _Bad("corrupt PNG: IHDR chunk missing")
    w, h = struct.unpack(">II", _read(f, 8))
    if w == 0 or h == 0:
        raise _Bad(f"PNG declares an empty size {w} x {h}")
    f.seek(8 + 8 + 13 + 4)
    total = len(f.getbuffer()) if full else 0  # full mode always gets a BytesIO
    orientation, seen_idat = 1, False
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            if full:
                raise _Bad("truncated PNG: the IEND chunk is missing")
            break
        length, kind = struct.unpack(">I4s", chunk)
        if full and f.tell() + length + 4 > total:
            raise _Bad(f"truncated PNG: {kind.decode('latin-1')} chunk is cut short")
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            seen_idat = True
            if not full:
                break
        elif kind == b"eXIf" and not seen_idat:  # spec: eXIf precedes IDAT; read_image_size stops at IDAT
            orientation = _ifd0_tags(io.BytesIO(_read(f, length)))[274]
            length = 0
        f.seek(length + 4, io.SEEK_CUR)  # skip data + CRC
    if full and not seen_idat:
        raise _Bad("corrupt PNG: no image data (IDAT) chunk")
    return _Header("png", w, h, orientation)


def _probe_webp(f: BinaryIO, full: bool) -> _Header:
    riff_end = struct.unpack("<I", _read(f, 12)[4:8])[0] + 8
    if full and len(f.getbuffer()) < riff_end:  # full mode always gets a BytesIO
        raise _Bad("truncated WebP: file is shorter than its RIFF header says")
    size, orientation, want_exif = None, 1, False
    while f.tell() + 8 <= riff_end:
        kind, length = struct.unpack("<4sI", _read(f, 8))
        start = f.tell()
        if size is None:
            data = _read(f, min(length, 10))
            if len(data) < 10:
                raise _Bad("corrupt WebP: image chunk too short")
            if kind == b"VP8X":
                want_exif = bool(data[0] & 0x08)
                size = (int.from_bytes(data[4:7], "little") + 1, int.from_bytes(data[7:10], "little") + 1)
            elif kind == b"VP8 " and data[3:6] == b"\x9d\x01\x2a":
                size = tuple(v & 0x3FFF for v in struct.unpack("<HH", data[6:10]))
            elif kind == b"VP8L" and data[:1] == b"\x2f":
                bits = int.from_bytes(data[1:5], "little")
                size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
            else:
                raise _Bad("corrupt WebP: unknown first chunk")
        elif kind == b"EXIF":
            orientation = _ifd0_tags(io.BytesIO(f.read(length)))[274]
        if not (full or want_exif):
            break
        f.seek(start + length + (length & 1))  # chunks are padded to even length
    if size is None:
        raise _Bad("corrupt WebP: no image chunk")
    return _Header("webp", size[0], size[1], orientation)


def _probe_bmp(f: BinaryIO, full: bool) -> _Header:
    head = _read(f, 34) if full else f.read(34)
    offset, dib = struct.unpack("<II", head[10:18])
    if dib == 12:  # OS/2 BITMAPCOREHEADER: 16-bit sizes
        w, h = struct.unpack("<HH", head[18:22])
        return _Header("bmp", w, h)
    w, h, _planes, bpp, compression = struct.unpack("<iiHHI", head[18:34])
    if full and compression in (0, 3) and w > 0:  # uncompressed: the pixel data size is known
        if len(f.getbuffer()) < offset + (w * bpp + 31) // 32 * 4 * abs(h):
            raise _Bad("truncated BMP: pixel data is cut short")
    return _Header("bmp", abs(w), abs(h))  # negative height means top-down rows


def _ifd0_tags(f: BinaryIO) -> dict[int, int]:
    """Width (256), height (257) and Orientation (274, always 1..8) from a TIFF structure's first IFD."""
    tags = {274: 1}
    try:
        f.seek(0)
        head = f.read(8)
        order = {b"II*\0": "<", b"MM\0*": ">"}.get(head[:4])
        if order is None:
            return tags
        f.seek(struct.unpack(order + "I", head[4:8])[0])
        count = min(struct.unpack(order + "H", f.read(2))[0], 1000)
        table = f.read(12 * count)
        for i in range(0, len(table) - 11, 12):
            tag, kind, n = struct.unpack(order + "HHI", table[i : i + 8])
            if tag in (256, 257, 274) and n == 1 and kind in (3, 4):  # SHORT or LONG, stored inline
                tags[tag] = struct.unpack_from(order + ("H" if kind == 3 else "I"), table, i + 8)[0]
    except (struct.error, OSError, ValueError):
        pass
    tags[274] = tags[274] if 1 <= tags[274] <= 8 else 1
    return tags
