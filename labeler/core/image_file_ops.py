"""Operations on a project's image files: turn one by 90 degrees (with its regions), move one to the trash.

No Qt. `RotateImageFile` is a History command, so turning an image is undone like any edit: undo writes
the original bytes back (EXIF and all) and restores the regions exactly. Deleting an image moves the
file into `<project>/.labeler/trash/` with a sidecar holding its label line, so both can be restored by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from labeler.core.atomic import atomic_write_bytes
from labeler.core.errors import FileError, ImageReadError
from labeler.core.history import Command
from labeler.core.image_io import decode_upright_pixels, read_image_bytes
from labeler.core.model import ImageRecord, Point
from labeler.core.ppocrlabel_format import encode_label_line
from labeler.core.region_ops import rotate_points_with_image

TRASH_FOLDER = ".labeler/trash"
JPEG_QUALITY = 95  # a turned JPEG is re-encoded once; undo restores the original bytes, not a second re-encode
WEBP_QUALITY = 95
_ENCODE_PARAMS = {
    ".jpg": [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
    ".jpeg": [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
    ".jpe": [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY],
    ".webp": [cv2.IMWRITE_WEBP_QUALITY, WEBP_QUALITY],
}


def rotated_image_bytes(path: str | Path, clockwise: bool, data: bytes | None = None) -> tuple[bytes, int, int]:
    """The file's picture turned by 90 degrees, encoded in the same format, and its new (width, height).

    The upright pixels are written, with no EXIF block: the orientation tag cannot turn it a second time.
    """
    path = Path(path)
    data = read_image_bytes(path) if data is None else data
    pixels = decode_upright_pixels(path, data)
    turned = cv2.rotate(pixels, cv2.ROTATE_90_CLOCKWISE if clockwise else cv2.ROTATE_90_COUNTERCLOCKWISE)
    ext = path.suffix.lower()
    try:
        ok, buf = cv2.imencode(ext, turned, _ENCODE_PARAMS.get(ext, []))
    except cv2.error as exc:
        raise FileError(path, f"cannot encode the turned image: {str(exc).strip().splitlines()[-1]}") from None
    if not ok:
        raise FileError(path, f"cannot encode the turned image as {ext}")
    return buf.tobytes(), turned.shape[1], turned.shape[0]


@dataclass(frozen=True)
class PreparedRotation:
    """The bytes of a turn, made ahead (on a worker thread: a 100 Mpx JPEG takes seconds to re-encode).

    `stamp` is the file's (mtime_ns, size) when it was read: if it differs now, the file changed meanwhile.
    """

    image_file: Path
    clockwise: bool
    original: bytes
    rotated: bytes
    size_before: tuple[int, int]
    stamp: tuple[int, int]

    def is_current(self) -> bool:
        try:
            st = self.image_file.stat()
        except OSError:
            return False
        return (st.st_mtime_ns, st.st_size) == self.stamp


def prepare_rotation(image_file: str | Path, clockwise: bool) -> PreparedRotation:
    image_file = Path(image_file)
    try:
        st = image_file.stat()
    except OSError as exc:
        raise ImageReadError(image_file, f"cannot read file: {exc.strerror or exc}") from None
    original = read_image_bytes(image_file)
    rotated, new_w, new_h = rotated_image_bytes(image_file, clockwise, original)
    return PreparedRotation(image_file, clockwise, original, rotated, (new_h, new_w), (st.st_mtime_ns, st.st_size))


@dataclass
class RotateImageFile(Command):
    """Turn the image file by 90 degrees and every region with it; undo writes the original file back.

    `on_file_written(record)` is called after every write of the file (apply, undo, redo) so a view can
    show the new pixels. The file is written before the regions change: a failed write changes nothing.
    `prepared`: the bytes made ahead by prepare_rotation (else they are made in the first apply).
    """

    image_file: Path
    clockwise: bool
    on_file_written: Callable[[ImageRecord], None] | None = field(default=None, repr=False, compare=False)
    prepared: PreparedRotation | None = field(default=None, repr=False, compare=False)
    original: bytes | None = field(default=None, init=False, repr=False)
    rotated: bytes | None = field(default=None, init=False, repr=False)
    size_before: tuple[int, int] | None = field(default=None, init=False)  # (width, height) before the turn
    old_size: tuple[int | None, int | None] = field(default=(None, None), init=False)
    old_points: list[list[Point]] | None = field(default=None, init=False, repr=False)

    @property
    def label(self) -> str:  # type: ignore[override]  # read-only here: it follows the direction of the turn
        return "rotate image clockwise" if self.clockwise else "rotate image anticlockwise"

    def apply(self, record: ImageRecord) -> None:
        if self.rotated is None or self.size_before is None:  # first apply; redo reuses the bytes (same turn)
            prep = self.prepared or prepare_rotation(self.image_file, self.clockwise)
            self.original, self.rotated, self.size_before = prep.original, prep.rotated, prep.size_before
            self.prepared = None
        width, height = self.size_before
        old_points = [list(r.points) for r in record.regions]
        new_points = [rotate_points_with_image(p, width, height, self.clockwise) for p in old_points]
        atomic_write_bytes(self.image_file, self.rotated)
        self.old_points = old_points
        self.old_size = (record.width, record.height)
        for region, points in zip(record.regions, new_points):
            region.points = points
        record.width, record.height = height, width
        self._written(record)

    def revert(self, record: ImageRecord) -> None:
        assert self.original is not None and self.old_points is not None
        atomic_write_bytes(self.image_file, self.original)
        for region, points in zip(record.regions, self.old_points):
            region.points = points
        record.width, record.height = self.old_size
        self._written(record)

    def _written(self, record: ImageRecord) -> None:
        if self.on_file_written is not None:
            self.on_file_written(record)


# ------------------------------------------------------------------------------------------- trash


def trash_folder(project_folder: str | Path) -> Path:
    return Path(project_folder) / TRASH_FOLDER


def _free_name(folder: Path, name: str) -> Path:
    """`name`, or `stem (2).ext`, `stem (3).ext`... whichever is not taken yet in `folder`."""
    target = folder / name
    stem, suffix = os.path.splitext(name)
    n = 2
    while target.exists() or target.with_name(target.name + ".label.txt").exists():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def move_to_trash(project_folder: str | Path, record: ImageRecord, key: str) -> Path:
    """Move the record's image into the project's trash folder; returns where it went.

    A sidecar `<name>.label.txt` keeps the image's PPOCRLabel line (`key\\tjson`) and status, so a
    deleted image can be put back with its labels. Nothing is removed if the move fails.
    """
    folder = Path(project_folder)
    source = folder / record.path
    if not source.is_file():
        raise FileError(source, "image file not found: cannot move it to the trash")
    trash = trash_folder(folder)
    try:
        trash.mkdir(parents=True, exist_ok=True)
        target = _free_name(trash, Path(record.path).name)
        sidecar = target.with_name(target.name + ".label.txt")
        line = encode_label_line(key, record.regions) if record.regions else key.encode("utf-8", "surrogateescape")
        status = json.dumps({"status": record.status.value}).encode("utf-8")
        atomic_write_bytes(sidecar, line + b"\n" + status + b"\n")
        os.replace(source, target)  # same file system: a rename, atomic
    except OSError as exc:
        raise FileError(source, f"cannot move to the trash: {exc.strerror or exc}") from None
    return target
