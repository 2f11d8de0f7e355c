"""Image headers read by content, never by file name: format, size and EXIF orientation, no pixel decoded.

cv2.imdecode picks its decoder from the first bytes, trying them in a fixed order: BMP, GIF, AVIF, Radiance
HDR, JPEG, WebP, Sun raster, PNM, PAM, PFM, TIFF, PNG, JPEG 2000 (OpenCV 4.x/5.x, loadsave.cpp). probe()
sniffs in that same order, each test at least as broad as OpenCV's, so the format whose header is parsed
here is the one OpenCV will decode. Content that matches none returns None, and a format whose size cannot
be read raises HeaderError: image_io hands neither to the decoder, so every decode had its size checked.
Where a header could be read two ways (duplicate TIFF tags, several AVIF images) the larger size counts.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["FORMAT_NAMES", "Header", "HeaderError", "probe"]

FORMAT_NAMES = {
    "jpeg": "JPEG", "png": "PNG", "webp": "WebP", "bmp": "BMP", "tiff": "TIFF", "gif": "GIF", "avif": "AVIF",
    "hdr": "Radiance HDR", "sunras": "Sun raster", "pnm": "PBM/PGM/PPM", "pam": "PAM", "pfm": "PFM",
    "jp2": "JPEG 2000", "j2k": "JPEG 2000 codestream",
}  # fmt: skip

_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
_TEXT_HEADER_MAX = 64 * 1024  # text headers (PNM, PAM, PFM, HDR) are a few lines; a longer one is refused
_MAX_ENTRIES = 4096  # TIFF directory entries / ISO boxes looked at: the sizes come first in real files
_BIG = 10**12  # stands for any number too long to be a real size: it is refused, never decoded
# Known formats this OpenCV build cannot decode (or whose size is not read here): refused by name.
_UNSUPPORTED = (
    (b"\x76\x2f\x31\x01", "OpenEXR"), (b"\xff\x0a", "JPEG XL"), (b"\x00\x00\x00\x0cJXL ", "JPEG XL"),
    (b"qoif", "QOI"), (b"8BPS", "Photoshop (PSD)"),
)  # fmt: skip


class HeaderError(Exception):
    """The bytes are not a valid/complete image, or not one whose size can be read; the message says why."""


@dataclass(frozen=True)
class Header:
    """What the header declares. `tile`: a TIFF tile or strip buffer larger than the image, when declared."""

    fmt: str  # a key of FORMAT_NAMES
    width: int  # as stored, before orientation
    height: int
    orientation: int = 1  # EXIF value 1..8
    tile: tuple[int, int] | None = None

    @property
    def name(self) -> str:
        return FORMAT_NAMES[self.fmt]


def probe(f: BinaryIO, full: bool) -> Header | None:
    """Parse the header of the image in seekable `f`; None when the content is no format OpenCV knows.

    With full=True (f is then a BytesIO of the whole file) also verify JPEG/PNG/WebP/BMP files are complete:
    some decoders grey-fill a truncated file instead of failing. Raises HeaderError (or struct.error when
    a header is cut short) for a corrupt header or a format whose size cannot be read.
    """
    head = f.read(32)
    f.seek(0)
    for matches, parse in _SNIFFERS:
        if matches(head):
            return parse(f, full)
    for magic, name in _UNSUPPORTED:
        if head.startswith(magic):
            raise HeaderError(f"{name} images are not supported")
    return None


def _in_memory(f: BinaryIO) -> io.BytesIO:
    """The whole file, for the completeness checks of full mode (probe's contract: f is then a BytesIO)."""
    if not isinstance(f, io.BytesIO):
        raise TypeError("probe(full=True) checks a whole file: pass its bytes as an io.BytesIO")
    return f


def _read(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) < n:
        raise HeaderError("file is cut short (truncated)")
    return data


def _sized(fmt: str, width: int, height: int, orientation: int = 1, tile: tuple[int, int] | None = None) -> Header:
    if width <= 0 or height <= 0:
        raise HeaderError(f"{FORMAT_NAMES[fmt]} declares an empty size {width} x {height}")
    return Header(fmt, width, height, orientation, tile)


# --------------------------------------------------------------------------- JPEG, PNG, WebP, BMP, GIF


def _probe_jpeg(f: BinaryIO, full: bool) -> Header:
    f.seek(2)
    orientation, size = 1, None
    while True:
        if _read(f, 1) != b"\xff":
            raise HeaderError("corrupt JPEG: bad marker structure")
        marker = _read(f, 1)[0]
        while marker == 0xFF:  # fill bytes before a marker are allowed
            marker = _read(f, 1)[0]
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # standalone markers carry no length
            continue
        if marker == 0xD9:
            raise HeaderError("corrupt JPEG: end marker before any image data")
        length = struct.unpack(">H", _read(f, 2))[0] - 2
        if length < 0:
            raise HeaderError("corrupt JPEG: bad segment length")
        start = f.tell()
        if marker == 0xE1 and orientation == 1 and size is None:  # EXIF APP1 sits before the frame header
            payload = _read(f, length)
            if payload.startswith(b"Exif\0\0"):
                orientation = _exif_orientation(payload[6:])
        elif marker in _JPEG_SOF and size is None:  # libjpeg refuses a second frame header
            _precision, h, w = struct.unpack(">BHH", _read(f, 5))
            size = (w, h)
            if not full:
                break
        elif marker == 0xDA:
            if size is None:
                raise HeaderError("corrupt JPEG: image data before the frame header")
            # FFD9 cannot occur inside entropy-coded data (FF is stuffed as FF00), so any FFD9 after SOS
            # is the end marker; anything after it (padding, a camera's trailer) is allowed.
            if full and _in_memory(f).getvalue().find(b"\xff\xd9", f.tell()) < 0:
                raise HeaderError("truncated JPEG: the end-of-image marker (FFD9) is missing")
            break
        f.seek(start + length)
    return _sized("jpeg", size[0], size[1], orientation)


def _probe_png(f: BinaryIO, full: bool) -> Header:
    f.seek(8)
    length, kind = struct.unpack(">I4s", _read(f, 8))
    if kind != b"IHDR" or length != 13:
        raise HeaderError("corrupt PNG: IHDR chunk missing")
    w, h = struct.unpack(">II", _read(f, 8))
    if w == 0 or h == 0:
        raise HeaderError(f"PNG declares an empty size {w} x {h}")
    f.seek(8 + 8 + 13 + 4)
    total = len(_in_memory(f).getbuffer()) if full else 0
    orientation, seen_idat = 1, False
    while True:
        chunk = f.read(8)
        if len(chunk) < 8:
            if full:
                raise HeaderError("truncated PNG: the IEND chunk is missing")
            break
        length, kind = struct.unpack(">I4s", chunk)
        if full and f.tell() + length + 4 > total:
            raise HeaderError(f"truncated PNG: {kind.decode('latin-1')} chunk is cut short")
        if kind == b"IEND":
            break
        if kind == b"IDAT":
            seen_idat = True
            if not full:
                break
        elif kind == b"eXIf" and not seen_idat:  # spec: eXIf precedes IDAT; read_image_size stops at IDAT
            orientation = _exif_orientation(_read(f, length))
            length = 0
        f.seek(length + 4, io.SEEK_CUR)  # skip data + CRC
    if full and not seen_idat:
        raise HeaderError("corrupt PNG: no image data (IDAT) chunk")
    return _sized("png", w, h, orientation)


def _probe_webp(f: BinaryIO, full: bool) -> Header:
    riff_end = struct.unpack("<I", _read(f, 12)[4:8])[0] + 8
    if full and len(_in_memory(f).getbuffer()) < riff_end:
        raise HeaderError("truncated WebP: file is shorter than its RIFF header says")
    size, orientation, want_exif = None, 1, False
    while f.tell() + 8 <= riff_end:
        kind, length = struct.unpack("<4sI", _read(f, 8))
        start = f.tell()
        if size is None:
            data = _read(f, min(length, 10))
            if len(data) < 10:
                raise HeaderError("corrupt WebP: image chunk too short")
            if kind == b"VP8X":  # the canvas: what OpenCV allocates, animated or not
                want_exif = bool(data[0] & 0x08)
                size = (int.from_bytes(data[4:7], "little") + 1, int.from_bytes(data[7:10], "little") + 1)
            elif kind == b"VP8 " and data[3:6] == b"\x9d\x01\x2a":
                size = tuple(v & 0x3FFF for v in struct.unpack("<HH", data[6:10]))
            elif kind == b"VP8L" and data[:1] == b"\x2f":
                bits = int.from_bytes(data[1:5], "little")
                size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
            else:
                raise HeaderError("corrupt WebP: unknown first chunk")
        elif kind == b"EXIF":
            orientation = _exif_orientation(f.read(length))
        if not (full or want_exif):
            break
        f.seek(start + length + (length & 1))  # chunks are padded to even length
    if size is None:
        raise HeaderError("corrupt WebP: no image chunk")
    return _sized("webp", size[0], size[1], orientation)


def _probe_bmp(f: BinaryIO, full: bool) -> Header:
    head = _read(f, 34) if full else f.read(34)
    offset, dib = struct.unpack("<II", head[10:18])
    if dib == 12:  # OS/2 BITMAPCOREHEADER: 16-bit sizes
        w, h = struct.unpack("<HH", head[18:22])
        return _sized("bmp", w, h)
    w, h, _planes, bpp, compression = struct.unpack("<iiHHI", head[18:34])
    if full and compression in (0, 3) and w > 0:  # uncompressed: the pixel data size is known
        if len(_in_memory(f).getbuffer()) < offset + (w * bpp + 31) // 32 * 4 * abs(h):
            raise HeaderError("truncated BMP: pixel data is cut short")
    return _sized("bmp", abs(w), abs(h))  # negative height means top-down rows


def _probe_gif(f: BinaryIO, full: bool) -> Header:
    head = _read(f, 10)
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        raise HeaderError(f"corrupt GIF: unknown version {head[:6]!r}")
    # OpenCV allocates the logical screen and asserts every frame fits inside it.
    w, h = struct.unpack("<HH", head[6:10])
    return _sized("gif", w, h)


# --------------------------------------------------------------------------- Sun raster, PNM, PAM, PFM, HDR


def _probe_sunras(f: BinaryIO, full: bool) -> Header:
    _magic, w, h = struct.unpack(">III", _read(f, 12))
    return _sized("sunras", w, h)


# OpenCV's PNM ReadNumber: whitespace and '#' comments (to the end of the line) before each number.
_PNM_NUMBER = re.compile(rb"(?:[ \t\n\v\f\r]|#[^\n\r]*[\n\r])*(\d+)")


def _numbers(head: bytes, pos: int, count: int, fmt: str) -> list[int]:
    found = []
    for _ in range(count):
        m = _PNM_NUMBER.match(head, pos)
        if m is None:
            raise HeaderError(f"corrupt {FORMAT_NAMES[fmt]} header: no size in its first {len(head):,} bytes")
        found.append(_number(m.group(1)))
        pos = m.end()
    return found


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else _BIG  # int() of a megabyte of digits would be slow


def _probe_pnm(f: BinaryIO, full: bool) -> Header:
    head = f.read(_TEXT_HEADER_MAX)
    w, h = _numbers(head, 2, 2, "pnm")  # P1/P4 stop there; the others go on with the maximum value
    return _sized("pnm", w, h)


def _probe_pfm(f: BinaryIO, full: bool) -> Header:
    head = f.read(_TEXT_HEADER_MAX)
    w, h = _numbers(head, 2, 2, "pfm")
    return _sized("pfm", w, h)


def _probe_pam(f: BinaryIO, full: bool) -> Header:
    fields: dict[bytes, int] = {}
    for line in re.split(rb"[\r\n]", f.read(_TEXT_HEADER_MAX)[3:]):  # after "P7" and its line end
        words = line.split(None, 1)
        if not words or words[0].startswith(b"#"):
            continue
        if words[0] == b"ENDHDR":
            break
        if words[0] in (b"WIDTH", b"HEIGHT"):
            value = words[1].strip() if len(words) > 1 else b""
            if not value.isdigit():
                raise HeaderError(f"corrupt PAM header: {words[0].decode()} is {value[:20]!r}")
            fields.setdefault(words[0], _number(value))
    else:
        raise HeaderError(f"corrupt PAM header: no ENDHDR line in its first {_TEXT_HEADER_MAX:,} bytes")
    if b"WIDTH" not in fields or b"HEIGHT" not in fields:
        raise HeaderError("corrupt PAM header: WIDTH or HEIGHT missing")
    return _sized("pam", fields[b"WIDTH"], fields[b"HEIGHT"])


# The resolution line after the header's blank line; OpenCV reads only "-Y <height> +X <width>".
_HDR_SIZE = re.compile(rb"\s*[-+]([XY])\s*\+?(\d+)\s+[-+]([XY])\s*\+?(\d+)")


def _probe_hdr(f: BinaryIO, full: bool) -> Header:
    head = f.read(_TEXT_HEADER_MAX)
    blank = head.find(b"\n\n")
    m = _HDR_SIZE.match(head, blank + 2) if blank >= 0 else None
    if m is None or m.group(1) == m.group(3):
        raise HeaderError("corrupt Radiance HDR header: no resolution line after the header")
    first, second = _number(m.group(2)), _number(m.group(4))
    w, h = (second, first) if m.group(1) == b"Y" else (first, second)
    return _sized("hdr", w, h)


# --------------------------------------------------------------------------- JPEG 2000, AVIF (boxes)


def _probe_j2k(f: BinaryIO, full: bool, fmt: str = "j2k") -> Header:
    siz = _read(f, 42)  # SOC, SIZ marker, Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, 4 tile fields, Csiz
    if siz[:4] != b"\xff\x4f\xff\x51":
        raise HeaderError("corrupt JPEG 2000: the codestream does not start with its SIZ header")
    xsiz, ysiz, x0, y0 = struct.unpack(">4I", siz[8:24])
    components = struct.unpack(">H", siz[40:42])[0]
    if x0 >= xsiz or y0 >= ysiz:
        raise HeaderError("corrupt JPEG 2000: the image origin lies outside the image")
    if components > 4:  # each component is a full-size int32 plane in OpenJPEG: 4 is what OpenCV can use
        raise HeaderError(f"JPEG 2000 with {components} components is not supported (at most 4)")
    return _sized(fmt, xsiz - x0, ysiz - y0)  # OpenCV's size: x1 - x0, y1 - y0 of the codestream


def _probe_jp2(f: BinaryIO, full: bool) -> Header:
    for kind, start, _end in _boxes(f, 0, _length(f), "JPEG 2000"):
        if kind == b"jp2c":  # OpenJPEG takes the size from the codestream, not from the ihdr box
            f.seek(start)
            return _probe_j2k(f, full, "jp2")
    raise HeaderError("corrupt JPEG 2000: no codestream (jp2c) box")


def _probe_isobmff(f: BinaryIO, full: bool) -> Header:
    end = _length(f)
    boxes = _boxes(f, 0, end, "ISO media")
    f.seek(boxes[0][1])
    ftyp = f.read(min(boxes[0][2] - boxes[0][1], 4096))
    brands = {ftyp[:4]} | {ftyp[i : i + 4] for i in range(8, len(ftyp) - 3, 4)}  # major, then compatible ones
    if not brands & {b"avif", b"avis"}:  # libavif's own test; HEIC, MP4 and the rest are not decoded
        raise HeaderError(f"ISO media file of type {ftyp[:4].decode('latin-1')!r} is not a supported image")
    sizes = _iso_sizes(f, boxes, 0)
    if not sizes:
        raise HeaderError("AVIF without an image size (ispe or tkhd box) is not supported")
    w, h = max(sizes, key=lambda s: s[0] * s[1])  # every image item (grid, tiles, alpha): the largest counts
    return _sized("avif", w, h)


_ISO_CONTAINERS = {b"meta": 4, b"iprp": 0, b"ipco": 0, b"moov": 0, b"trak": 0}  # child boxes start after n bytes


def _iso_sizes(f: BinaryIO, boxes: list[tuple[bytes, int, int]], depth: int) -> list[tuple[int, int]]:
    sizes = []
    for kind, start, end in boxes:
        if kind in _ISO_CONTAINERS and depth < 4:
            sizes += _iso_sizes(f, _boxes(f, start + _ISO_CONTAINERS[kind], end, "AVIF"), depth + 1)
        elif kind == b"ispe":  # image spatial extents: version/flags, width, height
            f.seek(start + 4)
            sizes.append(struct.unpack(">II", _read(f, 8)))
        elif kind == b"tkhd":  # an image sequence's track: 16.16 fixed-point width and height at its end
            f.seek(start)
            f.seek(start + (88 if _read(f, 1)[0] == 1 else 76))
            w, h = struct.unpack(">II", _read(f, 8))
            sizes.append((w >> 16, h >> 16))
    return sizes


def _length(f: BinaryIO) -> int:
    end = f.seek(0, io.SEEK_END)
    f.seek(0)
    return end


def _boxes(f: BinaryIO, start: int, end: int, what: str) -> list[tuple[bytes, int, int]]:
    """The (type, payload start, payload end) of the ISO boxes between start and end."""
    found: list[tuple[bytes, int, int]] = []
    pos = start
    while pos + 8 <= end and len(found) < _MAX_ENTRIES:
        f.seek(pos)
        size, kind = struct.unpack(">I4s", _read(f, 8))
        head = 8
        if size == 1:  # 64-bit size follows
            size, head = struct.unpack(">Q", _read(f, 8))[0], 16
        elif size == 0:  # the last box runs to the end
            size = end - pos
        if size < head or pos + size > end:
            raise HeaderError(f"truncated or corrupt {what}: box {kind.decode('latin-1')!r} runs past its end")
        found.append((kind, pos + head, pos + size))
        pos += size
    if not found:
        raise HeaderError(f"corrupt {what}: no boxes")
    return found


# --------------------------------------------------------------------------- TIFF and EXIF


_TIFF_INTS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 13: "I", 16: "Q", 17: "q", 18: "Q"}  # libtiff accepts
_TIFF_TAGS = frozenset({256, 257, 274, 278, 322, 323})  # width, length, orientation, rows/strip, tile w/h


def _probe_tiff(f: BinaryIO, full: bool) -> Header:
    tags = _ifd0(f)
    w, h = max(tags.get(256, [0])), max(tags.get(257, [0]))  # duplicates: libtiff keeps one, we take the worst
    if 256 not in tags or 257 not in tags:
        raise HeaderError("corrupt TIFF: its first directory has no readable ImageWidth/ImageLength")
    orientation = tags.get(274, [1])[0]
    # OpenCV decodes tile by tile (a strip is a w x RowsPerStrip tile) into a buffer sized from these tags.
    if 322 in tags or 323 in tags:
        tile_w, tile_h = max(tags.get(322, [w])) or w, max(tags.get(323, [h])) or h
    else:
        rows = max(tags.get(278, [h]))
        tile_w, tile_h = w, h if rows in (0, 0xFFFFFFFF) else rows
    tile = (tile_w, tile_h) if tile_w * tile_h > w * h else None
    return _sized("tiff", w, h, orientation if 1 <= orientation <= 8 else 1, tile)


def _ifd0(f: BinaryIO) -> dict[int, list[int]]:
    """The integer values of _TIFF_TAGS in a TIFF structure's first directory (classic or BigTIFF)."""
    f.seek(0)
    head = f.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None:
        raise HeaderError("corrupt TIFF: unknown byte order")
    big = struct.unpack(order + "H", head[2:4])[0] == 43
    count_code, entry, slot = ("Q", 20, 8) if big else ("H", 12, 4)
    f.seek(struct.unpack(order + ("Q" if big else "I"), head[8:16] if big else head[4:8])[0])
    count = struct.unpack(order + count_code, _read(f, struct.calcsize(count_code)))[0]
    table = f.read(entry * min(count, _MAX_ENTRIES))
    tags: dict[int, list[int]] = {}
    for i in range(0, len(table) - entry + 1, entry):
        tag, kind = struct.unpack_from(order + "HH", table, i)
        n = struct.unpack_from(order + ("Q" if big else "I"), table, i + 4)[0]
        if tag not in _TIFF_TAGS or n != 1 or kind not in _TIFF_INTS:
            continue  # libtiff reads these tags only as one integer
        code = _TIFF_INTS[kind]
        raw = table[i + entry - slot : i + entry]
        if struct.calcsize(code) > slot:  # an 8-byte value in a classic TIFF sits elsewhere
            f.seek(struct.unpack(order + "I", raw)[0])
            raw = _read(f, 8)
        tags.setdefault(tag, []).append(struct.unpack_from(order + code, raw)[0])
    return tags


def _exif_orientation(tiff: bytes) -> int:
    """EXIF Orientation (1..8) from the TIFF structure inside an EXIF block; 1 when absent or unreadable."""
    try:
        value = _ifd0(io.BytesIO(tiff)).get(274, [1])[0]
    except (HeaderError, struct.error, OSError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


# In OpenCV's decoder order; each test is at least as broad as OpenCV's own, except WebP: libwebp also takes a
# bare VP8/VP8L bitstream, which cannot begin like any later format here, so it stays unrecognised (refused).
_SNIFFERS = (
    (lambda h: h[:2] == b"BM", _probe_bmp),
    (lambda h: h[:3] == b"GIF", _probe_gif),
    (lambda h: h[4:8] == b"ftyp", _probe_isobmff),
    (lambda h: h[:2] == b"#?", _probe_hdr),
    (lambda h: h[:2] == b"\xff\xd8", _probe_jpeg),
    (lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP", _probe_webp),
    (lambda h: h[:4] == b"\x59\xa6\x6a\x95", _probe_sunras),
    (lambda h: h[:1] == b"P" and h[1:2] in (b"1", b"2", b"3", b"4", b"5", b"6"), _probe_pnm),
    (lambda h: h[:2] == b"P7", _probe_pam),
    (lambda h: h[:2] in (b"PF", b"Pf"), _probe_pfm),
    (lambda h: h[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"), _probe_tiff),
    (lambda h: h[:8] == b"\x89PNG\r\n\x1a\n", _probe_png),
    (lambda h: h[:12] == _JP2_SIGNATURE, _probe_jp2),
    (lambda h: h[:4] == b"\xff\x4f\xff\x51", _probe_j2k),
)
