"""The per-image part of an export, run in worker processes: read the image once, place it in OUT,
cut and write its recognition crops.

Images go into OUT as byte copies (or hard links), so nothing is re-encoded, except images whose file
carries an EXIF orientation other than "normal": those are written upright (decoded pixels, no EXIF)
in their own format, so that every reader (PaddleOCR's DecodeImage with or without
ignore_orientation, PIL, other tools) sees the frame the labels were drawn in.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from labeler.core.errors import LabelerError
from labeler.core.export_rec import VerticalRule, encode_crop, make_crop
from labeler.core.image_header import probe
from labeler.core.image_io import read_image

IMAGE_MODES = ("copy", "link")
# Write errors that no other image or crop would escape: they end the export instead of skipping a crop.
FATAL_WRITE_ERRNOS = frozenset(e for e in (errno.ENOSPC, getattr(errno, "EDQUOT", None), errno.EROFS) if e)
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class CropSettings:
    """How crops are cut and stored, and how images are placed (same for every image)."""

    vertical: VerticalRule = VerticalRule()
    crop_format: str = "jpg"
    jpeg_quality: int = 95
    images: str = "copy"  # copy | link (hard link, falls back to a copy across file systems)


@dataclass(frozen=True)
class CropItem:
    """One crop to cut: region index in its image, its points, where to write it (absolute)."""

    index: int
    points: tuple[tuple[float, float], ...]
    dest: str


@dataclass(frozen=True)
class ImageJob:
    key: str  # the image's path relative to the project (report key)
    source: str
    dest: str  # absolute path of the image inside OUT
    crops: tuple[CropItem, ...]


@dataclass
class ImageDone:
    """What happened to one image: an error (image left out), or its size and the crops that failed."""

    key: str
    error: str | None = None
    width: int = 0
    height: int = 0
    reencoded: bool = False
    failed: list[tuple[int, str]] = field(default_factory=list)  # (region index, reason)


def stored_orientation(path: str | Path) -> int | None:
    """The EXIF orientation the file declares (1 = normal), or None when it cannot be told."""
    try:
        with open(path, "rb") as f:
            header = probe(f, full=False)
        return 1 if header is None else int(header.orientation)
    except Exception:
        return None


def _place_image(dest: str, source: str, upright: np.ndarray | None, mode: str) -> None:
    """Put the image at dest: a copy or hard link of the file, or `upright` encoded when it is given."""
    if os.path.lexists(dest):
        os.unlink(dest)  # never write through an old hard link into the project's image
    if upright is None:
        if mode == "link":
            try:
                os.link(source, dest)
                return
            except OSError:
                pass  # other file system, or links not allowed: copy instead
        shutil.copyfile(source, dest)
        return
    ext = os.path.splitext(dest)[1].lower() or ".png"
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext in (".jpg", ".jpeg", ".jpe") else []
    ok, buf = cv2.imencode(ext, upright, params)
    if not ok:
        raise LabelerError(f"{source}: cannot re-encode the upright image as {ext}")
    write_output_file(dest, buf.tobytes())


class _Writer:
    """Writes files on a few threads, so the CPU work goes on while a slow disk blocks file creation."""

    def __init__(self, threads: int = 2):
        self._pool = ThreadPoolExecutor(threads) if threads > 0 else None
        self._pending: list[tuple[ImageDone, int | None, Future | None, BaseException | None]] = []
        self._dirs: set[str] = set()

    def submit(self, done: ImageDone, index: int | None, fn: Callable[..., object], *args: object) -> None:
        """Run fn(*args); a failure marks crop `index` (or, for None, the whole image) of `done` failed."""
        folder = os.path.dirname(str(args[0]))
        if folder not in self._dirs:
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as exc:
                self._pending.append((done, index, None, exc))
                return
            self._dirs.add(folder)
        if self._pool is None:
            try:
                fn(*args)
                self._pending.append((done, index, None, None))
            except (OSError, LabelerError) as exc:  # kept for drain(), which tells a full disk apart
                self._pending.append((done, index, None, exc))
        else:
            self._pending.append((done, index, self._pool.submit(fn, *args), None))

    def drain(self) -> None:
        """Wait for every write and record the failures on their ImageDone; raise a full disk's OSError."""
        fatal: OSError | None = None
        for done, index, future, exc in self._pending:
            if future is not None:
                exc = future.exception()
            if exc is None:
                continue
            if isinstance(exc, OSError) and exc.errno in FATAL_WRITE_ERRNOS:
                fatal = fatal or exc
            elif index is None:
                done.error = f"cannot write the image into the export: {exc}"
            else:
                done.failed.append((index, f"write_failed: {exc}"))
        self._pending.clear()
        if fatal is not None:
            raise fatal

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def write_output_file(path: str, data: bytes) -> None:
    """Write one exported image or crop. Every export write goes through here: tests replace it to fill the disk."""
    with open(path, "wb") as f:
        f.write(data)


def run_image_job(job: ImageJob, settings: CropSettings, writer: _Writer) -> ImageDone:
    """Read once, queue the image and every crop for writing. Never raises for a bad image: it is reported."""
    done = ImageDone(job.key)
    try:
        image = read_image(job.source)
    except LabelerError as exc:
        done.error = exc.reason if hasattr(exc, "reason") else str(exc)
        return done
    done.height, done.width = image.shape[:2]
    done.reencoded = stored_orientation(job.source) != 1
    writer.submit(done, None, _place_image, job.dest, job.source, image if done.reencoded else None, settings.images)
    for item in job.crops:
        crop, reason = make_crop(image, item.points, settings.vertical)
        if crop is None:
            done.failed.append((item.index, reason or "crop_failed"))
            continue
        try:
            data = encode_crop(crop, settings.crop_format, settings.jpeg_quality)
        except LabelerError as exc:
            done.failed.append((item.index, f"encode_failed: {exc}"))
            continue
        writer.submit(done, item.index, write_output_file, item.dest, data)
    return done


def run_image_jobs(jobs: list[ImageJob], settings: CropSettings, io_threads: int = 2) -> list[ImageDone]:
    """A batch of jobs (one pool task), so per-task overhead is paid once per batch."""
    writer = _Writer(io_threads)
    try:
        results = [run_image_job(job, settings, writer) for job in jobs]
        writer.drain()
    finally:
        writer.close()
    return results


def init_worker(parent_alive=None) -> None:
    """Pool initializer: one OpenCV thread per worker (the pool is the parallelism), and die with the parent.

    parent_alive is the read end of a pipe whose only write end the exporting process holds: it reads EOF
    the moment that process dies, also on SIGKILL. Without this a killed export's workers would wait for
    work forever (they hold the pool's queues open themselves), and keep the forkserver alive with them.
    """
    cv2.setNumThreads(1)
    _die_with_forkserver()
    if parent_alive is not None:
        threading.Thread(target=_exit_on_eof, args=(parent_alive,), name="export-parent-watch", daemon=True).start()


def _die_with_forkserver() -> None:
    # Linux: SIGKILL when our direct parent (the forkserver, or the exporting process under spawn) exits.
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)  # the parent died before prctl took effect


def _exit_on_eof(parent_alive) -> None:
    try:
        while True:
            parent_alive.recv_bytes()  # nothing is ever sent: this returns only at EOF (parent gone)
    except (EOFError, OSError):
        pass
    os._exit(1)  # leave no half-written work behind a dead parent: its folder is cleaned up next time
