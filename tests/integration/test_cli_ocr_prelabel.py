"""`labeler ocr` and `labeler prelabel` end to end, with the real models on rendered images."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.cli import main
from labeler.core.ppocrlabel_format import read_label_file
from tests.conftest import REPO, render_lines, write_image

pytestmark = pytest.mark.models


def _folder(tmp_path: Path, n: int = 3) -> Path:
    folder = tmp_path / "shop receipts 收据"
    for i in range(n):
        write_image(folder / f"img{i + 1}.png", render_lines([f"hello world {i + 1}", "Total: 42.5"]))
    return folder


def test_ocr_json(tmp_path, capsys):
    img = write_image(tmp_path / "页面.png", render_lines(["hello world"]))
    assert main(["ocr", str(img), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (entry,) = doc["images"]
    assert [r["text"] for r in entry["regions"]] == ["hello world"]
    assert len(entry["regions"][0]["points"]) == 4 and entry["timings"]["total"] > 0
    assert doc["model_set"] == "ppocrv6-small"


def test_ocr_bad_file_is_reported_and_others_still_read(tmp_path, capsys):
    good = write_image(tmp_path / "good.png", render_lines(["hello world"]))
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    assert main(["ocr", str(bad), str(good), "--models", "light"]) == 1
    out, err = capsys.readouterr()
    assert "bad.png" in err and "hello world" in out


def test_prelabel_writes_cache_and_leaves_labels_alone(tmp_path, capsys):
    folder = _folder(tmp_path)
    label = "shop receipts 收据/img1.png\t[]\n"
    (folder / "Label.txt").write_text("", encoding="utf-8")
    (folder / "fileState.txt").write_text(f"{folder / 'img1.png'}\t1\n", encoding="utf-8")
    before = {p: (folder / p).read_bytes() for p in ("Label.txt", "fileState.txt")}
    assert main(["prelabel", str(folder)]) == 0
    after = {p: (folder / p).read_bytes() for p in ("Label.txt", "fileState.txt")}
    assert before == after
    cache = read_label_file(folder / "Cache.cach").by_key()
    # img1 is confirmed (fileState, absolute path form): skipped.
    assert set(cache) == {"shop receipts 收据/img2.png", "shop receipts 收据/img3.png"}
    texts = [r.transcription for r in cache["shop receipts 收据/img2.png"]]
    assert texts == ["hello world 2", "Total: 42.5"]
    assert all(r.score is not None and len(r.points) == 4 for r in cache["shop receipts 收据/img2.png"])
    err = capsys.readouterr().err
    assert "[2/2]" in err and label  # progress shows done/total


def test_prelabel_skips_cached_unless_forced(tmp_path, capsys):
    folder = _folder(tmp_path, 2)
    assert main(["prelabel", str(folder), "--models", "light"]) == 0
    (folder / "Cache.cach").write_text(
        (folder / "Cache.cach").read_text(encoding="utf-8").replace("hello world 1", "EDITED"), encoding="utf-8"
    )
    assert main(["prelabel", str(folder), "--models", "light"]) == 0
    assert "EDITED" in (folder / "Cache.cach").read_text(encoding="utf-8")
    assert "0 to pre-label" in capsys.readouterr().err
    assert main(["prelabel", str(folder), "--models", "light", "--force"]) == 0
    text = (folder / "Cache.cach").read_text(encoding="utf-8")
    assert "EDITED" not in text and "hello world 1" in text


def test_prelabel_reports_failed_images_and_goes_on(tmp_path, capsys):
    folder = _folder(tmp_path, 2)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    assert main(["prelabel", str(folder), "--models", "light"]) == 1
    err = capsys.readouterr().err
    assert "broken.jpg" in err and "1 failed" in err
    assert len(read_label_file(folder / "Cache.cach").lines) == 2


def test_prelabel_keeps_malformed_cache_lines(tmp_path):
    folder = _folder(tmp_path, 1)
    (folder / "Cache.cach").write_text("shop receipts 收据/other.png\t[{broken\n", encoding="utf-8")
    assert main(["prelabel", str(folder), "--models", "light"]) == 0
    content = read_label_file(folder / "Cache.cach")
    assert len(content.lines) == 1 and content.bad_raw_lines == ["shop receipts 收据/other.png\t[{broken"]


N_PAGES = 200


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_interrupt_leaves_a_valid_cache_with_finished_images(tmp_path, sig):
    folder = tmp_path / "many"
    # Enough pages (about a minute of work) that the signal always lands mid-run.
    for i in range(N_PAGES):
        write_image(folder / f"p{i:03d}.png", render_lines([f"line {i}"], size=(600, 120)))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "labeler", "prelabel", str(folder), "--models", "light"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    cache = folder / "Cache.cach"
    deadline = time.time() + 120
    while not cache.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert cache.exists(), proc.stderr.read().decode() if proc.poll() is not None else "no cache written"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    content = read_label_file(cache)
    assert content.errors == []
    done = content.by_key()
    assert 1 <= len(done) <= N_PAGES
    for key, regions in done.items():
        assert regions and regions[0].transcription == f"line {int(key[-7:-4])}"
    if sig == signal.SIGINT and not (proc.returncode == 0 and len(done) == N_PAGES):  # (else it finished first)
        assert proc.returncode == 130 and b"interrupted" in err, (proc.returncode, len(done), err[-600:])


def test_prelabel_show_prints_regions(tmp_path, capsys):
    folder = _folder(tmp_path, 1)
    assert main(["prelabel", str(folder), "--show"]) == 0
    out = capsys.readouterr().out
    assert "img1.png: 2 regions: hello world 1 | Total: 42.5" in out
    assert (folder / "Cache.cach").is_file()


def test_prelabel_after_folder_rename_replaces_old_lines(tmp_path):
    folder = _folder(tmp_path, 2)
    (folder / "Cache.cach").write_text(
        'old name/img1.png\t[{"transcription": "OLD", "points": [[0, 0], [9, 0], [9, 9], [0, 9]], "difficult": false}]\n',
        encoding="utf-8",
    )
    assert main(["prelabel", str(folder), "--models", "light"]) == 0
    keys = [ln.key for ln in read_label_file(folder / "Cache.cach").lines]
    assert keys == ["old name/img1.png", "shop receipts 收据/img2.png"]  # img1 counted as cached, kept
    assert main(["prelabel", str(folder), "--models", "light", "--force"]) == 0
    content = read_label_file(folder / "Cache.cach")
    assert [ln.key for ln in content.lines] == ["shop receipts 收据/img1.png", "shop receipts 收据/img2.png"]
    assert "OLD" not in (folder / "Cache.cach").read_text(encoding="utf-8")
