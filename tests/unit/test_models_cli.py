import json
import subprocess
import sys

from labeler.cli import main
from labeler.ocr.registry import resolve_model_set
from tests.conftest import REPO


def test_models_list_shows_both_bundled_sets(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "ppocrv6-small (default)" in out and "ppocrv4-mobile (light)" in out


def test_models_check_verifies_sha256(capsys):
    assert main(["models", "check", "light"]) == 0
    assert "all 3 files match" in capsys.readouterr().out


def test_models_register_then_check_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    light = resolve_model_set("light")
    assert main(["models", "register", "shop", "--det", str(light.det.path), "--rec", str(light.rec.path)]) == 0
    manifest = tmp_path / "labeler" / "models" / "shop" / "manifest.json"
    assert json.loads(manifest.read_text())["rec"]["sha256"] == light.rec.sha256
    assert main(["models", "check", "shop"]) == 0


def test_missing_det_file_is_an_error_naming_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    light = resolve_model_set("light")
    code = main(["models", "register", "x", "--det", str(tmp_path / "nope.onnx"), "--rec", str(light.rec.path)])
    assert code == 2 and "nope.onnx" in capsys.readouterr().err


def test_unknown_model_set_fails_cleanly(tmp_path, capsys):
    assert main(["ocr", str(tmp_path / "a.png"), "--models", "klingon"]) == 2
    assert "unknown model set 'klingon'" in capsys.readouterr().err


def test_python_dash_m_and_help():
    out = subprocess.run([sys.executable, "-m", "labeler", "--help"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0
    for cmd in ("ocr", "prelabel", "eval", "convert", "models"):
        assert cmd in out.stdout
