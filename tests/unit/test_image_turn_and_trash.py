"""Turning an image file with its regions, and moving an image to the trash: pure functions and real files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from labeler.core.errors import FileError
from labeler.core.history import History
from labeler.core.image_file_ops import RotateImageFile, move_to_trash, rotated_image_bytes
from labeler.core.image_io import read_image
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.region_ops import rotate_points_with_image
from tests.unit.test_image_io import jpeg_with_exif, marked_image

BOX = [(10.0, 20.0), (50.0, 20.0), (50.0, 40.0), (10.0, 40.0)]


def test_rotate_points_with_image_exact():
    # A 100 x 60 image turned clockwise is 60 x 100: x' = 60 - y, y' = x; vertex order kept.
    cw = rotate_points_with_image(BOX, 100, 60, clockwise=True)
    assert cw == [(40.0, 10.0), (40.0, 50.0), (20.0, 50.0), (20.0, 10.0)]
    # Anticlockwise: x' = y, y' = 100 - x.
    ccw = rotate_points_with_image(BOX, 100, 60, clockwise=False)
    assert ccw == [(20.0, 90.0), (20.0, 50.0), (40.0, 50.0), (40.0, 90.0)]
    # The image corners go to the turned image's corners.
    assert rotate_points_with_image([(0, 0), (100, 60)], 100, 60, True) == [(60.0, 0.0), (0.0, 100.0)]


@pytest.mark.parametrize("clockwise", [True, False])
def test_points_follow_the_pixels_cv2_turns(clockwise):
    h, w = 7, 11
    for x, y in [(0, 0), (10, 0), (3, 5), (10, 6)]:
        img = np.zeros((h, w), np.uint8)
        img[y, x] = 255
        turned = cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE if clockwise else cv2.ROTATE_90_COUNTERCLOCKWISE)
        ((cx, cy),) = rotate_points_with_image([(x + 0.5, y + 0.5)], w, h, clockwise)  # the pixel's centre
        assert turned[int(cy), int(cx)] == 255 and turned.sum() == 255


coords = st.floats(0, 1, allow_nan=False)


def _close(a, b) -> bool:
    return len(a) == len(b) and all(abs(x - u) < 1e-6 and abs(y - v) < 1e-6 for (x, y), (u, v) in zip(a, b))


@given(st.integers(1, 5000), st.integers(1, 5000), st.lists(st.tuples(coords, coords), min_size=4, max_size=12))
def test_turns_stay_in_the_image_and_undo_each_other(w, h, unit_points):
    points = [(fx * w, fy * h) for fx, fy in unit_points]
    cw = rotate_points_with_image(points, w, h, True)
    assert all(0 <= x <= h and 0 <= y <= w for x, y in cw)
    back = rotate_points_with_image(cw, h, w, False)  # the turned image is h x w
    assert _close(back, points)
    four = points
    size = (w, h)
    for _ in range(4):
        four = rotate_points_with_image(four, *size, True)
        size = size[::-1]
    assert _close(four, points)


def _record(path: str, w: int, h: int) -> ImageRecord:
    return ImageRecord(path, w, h, ImageStatus.CONFIRMED, [TextRegion(points=list(BOX), transcription="x")])


def test_rotate_png_keeps_alpha_and_undo_restores_the_bytes(tmp_path):
    bgra = np.zeros((32, 48, 4), np.uint8)
    bgra[..., 3] = 128
    bgra[:16, :16] = (0, 0, 255, 255)  # opaque red top-left
    ok, buf = cv2.imencode(".png", bgra)
    path = tmp_path / "a.png"
    path.write_bytes(original := buf.tobytes())
    rec = _record("a.png", 48, 32)
    history = History(rec)
    history.push(RotateImageFile(path, clockwise=True))
    turned = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
    assert turned.shape == (48, 32, 4)  # alpha kept
    assert np.array_equal(turned, np.rot90(bgra, -1))  # lossless: exactly the turned pixels
    assert (rec.width, rec.height) == (32, 48)
    assert rec.regions[0].points == rotate_points_with_image(BOX, 48, 32, True)
    history.undo()
    assert path.read_bytes() == original and rec.regions[0].points == BOX and (rec.width, rec.height) == (48, 32)
    history.redo()
    assert np.array_equal(cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_UNCHANGED), turned)


def test_jpeg_with_exif_orientation_is_written_upright_without_the_tag(tmp_path):
    stored = marked_image(48, 32)
    path = tmp_path / "photo.jpg"
    path.write_bytes(jpeg_with_exif(stored, 6))  # shown turned clockwise: 32 x 48 on screen
    shown = read_image(path)
    assert shown.shape[:2] == (48, 32)
    data, w, h = rotated_image_bytes(path, clockwise=False)
    assert (w, h) == (48, 32)
    assert b"Exif\0\0" not in data[:4096]  # no orientation left to turn it a second time
    path.write_bytes(data)
    again = read_image(path)
    expected = cv2.rotate(shown, cv2.ROTATE_90_COUNTERCLOCKWISE)
    assert np.abs(again.astype(int) - expected.astype(int)).mean() < 3  # one JPEG re-encode at quality 95
    assert np.array_equal(again[8, 8] > 200, stored[8, 8] > 200)  # back as stored: red top-left


def test_failed_write_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "b.png"
    ok, buf = cv2.imencode(".png", marked_image())
    path.write_bytes(original := buf.tobytes())
    rec = _record("b.png", 48, 32)

    def full_disk(*_args, **_kw):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("labeler.core.image_file_ops.atomic_write_bytes", full_disk)
    with pytest.raises(OSError):
        History(rec).push(RotateImageFile(path, clockwise=True))
    assert path.read_bytes() == original and rec.regions[0].points == BOX and rec.width == 48


def test_move_to_trash_keeps_the_file_and_its_label_line(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"first")
    rec = _record("a.png", 48, 32)
    target = move_to_trash(folder, rec, "data/a.png")
    assert target == folder / ".labeler" / "trash" / "a.png" and target.read_bytes() == b"first"
    assert not (folder / "a.png").exists()
    line, status = target.with_name("a.png.label.txt").read_text(encoding="utf-8").splitlines()
    assert line.startswith("data/a.png\t[") and '"transcription": "x"' in line and '"confirmed"' in status
    (folder / "a.png").write_bytes(b"second")  # a new image of the same name lands beside the first
    assert move_to_trash(folder, rec, "data/a.png").name == "a (2).png"
    with pytest.raises(FileError, match="not found"):
        move_to_trash(folder, rec, "data/a.png")
