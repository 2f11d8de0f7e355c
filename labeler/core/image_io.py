"""Robust image reading: any path, EXIF orientation, alpha, 16-bit, huge images, typed errors.

Every reader returns an (H, W, 3) uint8 BGR array as the user sees the picture (orientation applied)
or raises ImageReadError naming the file. The header is parsed first, by content whatever the file is
called (labeler.core.image_header, every format this OpenCV decodes), so sizes are listed and absurd
images refused without decoding a pixel, content whose size cannot be read is never decoded, and
truncated files are caught.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from labeler.core.errors import FileError, ImageReadError
from labeler.core.image_header import Header, HeaderError, probe

__all__ = ["DEFAULT_MAX_PIXELS", "IMAGE_EXTENSIONS", "decode_upright_pixels", "list_images", "read_image",
           "read_image_bytes", "read_image_downscaled", "read_image_size"]  # fmt: skip

# 300 MP: a 15000 x 15000 scan (225 MP, 675 MB as BGR) loads; 50000 x 50000 (7.5 GB) is refused.
DEFAULT_MAX_PIXELS = 300_000_000

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".tif", ".tiff", ".webp"})

_REDUCED = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}
_ROWS_PER_CHUNK = 512  # alpha compositing works in bands so its uint16 temporaries stay small
# EXIF orientation -> the operation that shows the stored pixels as they should be displayed.
_ORIENT: dict[int, Callable[[np.ndarray], np.ndarray]] = {
    2: lambda im: cv2.flip(im, 1),
    3: lambda im: cv2.rotate(im, cv2.ROTATE_180),
    4: lambda im: cv2.flip(im, 0),
    5: cv2.transpose,
    6: lambda im: cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE),
    7: lambda im: cv2.flip(cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE), 1),
    8: lambda im: cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE),
}


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Read `path` as an (H, W, 3) uint8 BGR array, EXIF orientation applied, alpha over white.

    Raises ImageReadError (naming the file) if it is missing, a folder, empty, not an image, corrupt,
    truncated, of a format whose size cannot be read, or has more than `max_pixels` pixels. The size
    comes from the header, whatever the file extension says, and is checked before anything is decoded;
    the file is decoded once.
    """
    path = Path(path)
    data = _read_bytes(path)
    return _decode_full(path, data, _checked_header(path, data), max_pixels)


def read_image_size(path: str | Path) -> tuple[int, int]:
    """(width, height) as displayed (after EXIF orientation), from the header alone: nothing is decoded.

    The size is what the header declares, even above the pixel limit (read_image refuses such files).
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            header = probe(f, full=False)
    except (HeaderError, OSError, struct.error):
        header = None  # missing, a folder, no usable header: the full parse below names the real problem
    if header is None:
        header = _checked_header(path, _read_bytes(path))  # raises ImageReadError
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
    if header.fmt == "jpeg":  # only libjpeg can decode at reduced size
        factor = next((f for f in (8, 4, 2) if -(-max(header.width, header.height) // f) >= max_side), 1)
    if factor == 1:
        img = _decode_full(path, data, header, DEFAULT_MAX_PIXELS)
    else:
        w, h = -(-header.width // factor), -(-header.height // factor)
        _check_pixels(path, w, h, DEFAULT_MAX_PIXELS, f"the JPEG header declares (at 1/{factor} size)")
        img = _orient(_decode(path, data, _REDUCED[factor] | cv2.IMREAD_IGNORE_ORIENTATION, header), header)
    w, h = _displayed_size(header)
    scale = min(1.0, max_side / max(w, h))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if (img.shape[1], img.shape[0]) != size:
        img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)  # INTER_AREA: no aliasing on thin strokes
    return img, scale


def read_image_bytes(path: str | Path) -> bytes:
    """The file's bytes, or ImageReadError naming it (missing, a folder, unreadable, empty)."""
    return _read_bytes(Path(path))


def decode_upright_pixels(path: str | Path, data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """`data` (the bytes of `path`) decoded as stored, alpha and 16-bit depth kept, EXIF orientation applied.

    For rewriting the file itself (turning it): read_image's uint8 BGR would lose alpha and depth.
    Raises ImageReadError as read_image does, also for more than `max_pixels` pixels.
    """
    path = Path(path)
    header = _checked_header(path, data)
    if header.width * header.height > max_pixels:
        raise ImageReadError(path, f"image is too large to turn: {header.width} x {header.height} pixels")
    return _orient(_decode(path, data, cv2.IMREAD_UNCHANGED, header), header)


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


def _checked_header(path: Path, data: bytes) -> Header:
    """Parse the header by content and check the file is complete; raises ImageReadError if it cannot."""
    try:
        header = probe(io.BytesIO(data), full=True)
    except (HeaderError, struct.error) as e:
        msg = str(e) if isinstance(e, HeaderError) else "header is cut short (truncated file)"
        raise ImageReadError(path, msg) from None
    if header is None:  # never decoded blindly: its size could not be checked first
        raise ImageReadError(path, "not an image (unrecognised content) or an unsupported format")
    return header


def _check_pixels(path: Path, width: int, height: int, max_pixels: int, source: str) -> None:
    if width * height > max_pixels:
        msg = (f"image is too large: {source} {width} x {height} = {width * height:,} pixels "
               f"(limit {max_pixels:,} pixels)")  # fmt: skip
        raise ImageReadError(path, msg)


def _check_header(path: Path, header: Header, max_pixels: int) -> None:
    """The pixel limit, from the declared size alone: called before any pixel is allocated."""
    _check_pixels(path, header.width, header.height, max_pixels, f"the {header.name} header declares")
    if header.tile is not None:  # OpenCV allocates one tile or strip buffer of this size
        _check_pixels(path, *header.tile, max_pixels, "the TIFF header declares a tile or strip of")


def _decode_full(path: Path, data: bytes, header: Header, max_pixels: int) -> np.ndarray:
    _check_header(path, header, max_pixels)
    # UNCHANGED keeps alpha and 16 bits and leaves EXIF orientation to us (IMREAD_COLOR would rotate JPEG/PNG/
    # WebP itself). It is also leaner: cv2 peaks at 2x its output, so grey + GRAY2BGR beats decoding to BGR.
    img = _decode(path, data, cv2.IMREAD_UNCHANGED, header)
    _check_pixels(path, img.shape[1], img.shape[0], max_pixels, "decoded")  # a decoder that outgrew its header
    return _orient(_to_bgr8(img), header)


def _decode(path: Path, data: bytes, flags: int, header: Header | None) -> np.ndarray:
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    except cv2.error as e:
        raise ImageReadError(path, f"cannot decode image: {str(e).strip().splitlines()[-1]}") from None
    if img is None or img.size == 0:
        if header is None:
            raise ImageReadError(path, "not an image (unrecognised content) or an unsupported format")
        raise ImageReadError(path, f"corrupt {header.name} data: the decoder rejected it")
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


def _displayed_size(header: Header) -> tuple[int, int]:
    # Orientations 5..8 turn the picture by 90 degrees.
    return (header.height, header.width) if header.orientation >= 5 else (header.width, header.height)


def _orient(img: np.ndarray, header: Header | None) -> np.ndarray:
    """Apply the EXIF orientation so the array looks as the photo should be displayed."""
    # OpenCV's TIFF decoder applies the TIFF Orientation tag itself (even with IMREAD_UNCHANGED).
    if header is None or header.fmt == "tiff" or header.orientation == 1:
        return img
    return _ORIENT[header.orientation](img)
