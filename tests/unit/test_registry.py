import json
import shutil

import pytest

from labeler.core.errors import ModelError
from labeler.ocr import registry
from labeler.ocr.registry import resolve_model_set, verify_model_set


def test_bundled_sets_resolve_by_name_and_alias():
    assert resolve_model_set("default").name == "ppocrv6-small"
    assert resolve_model_set("light").name == "ppocrv4-mobile"
    assert resolve_model_set("ppocrv4-mobile").det.path.name == "ch_PP-OCRv4_det_infer.onnx"


def test_manifests_carry_provenance_and_preprocessing():
    for name in ("default", "light"):
        s = resolve_model_set(name)
        for m in s.files():
            assert len(m.sha256) == 64 and m.license == "Apache-2.0" and m.source_package
            assert m.preprocess, m.path
        assert s.rec.dict_path.is_file()


def test_unknown_set_is_a_clear_error():
    with pytest.raises(ModelError, match="unknown model set 'nope'.*default"):
        resolve_model_set("nope")


def _copy_set(tmp_path, name="ppocrv4-mobile"):
    root = tmp_path / "models"
    shutil.copytree(registry.bundled_models_dir() / name, root / name)
    shutil.copytree(registry.bundled_models_dir() / "common", root / "common")
    return root


def test_sha256_mismatch_names_the_file(tmp_path, monkeypatch):
    root = _copy_set(tmp_path)
    rec = root / "ppocrv4-mobile" / "ch_PP-OCRv4_rec_infer.onnx"
    data = bytearray(rec.read_bytes())
    data[-10] ^= 0xFF
    rec.write_bytes(bytes(data))
    monkeypatch.setenv("LABELER_MODELS_DIR", str(root))
    with pytest.raises(ModelError, match="ch_PP-OCRv4_rec_infer.onnx: sha256 mismatch"):
        verify_model_set(resolve_model_set("light"))


def test_missing_file_names_the_file(tmp_path, monkeypatch):
    root = _copy_set(tmp_path)
    (root / "ppocrv4-mobile" / "ch_PP-OCRv4_det_infer.onnx").unlink()
    monkeypatch.setenv("LABELER_MODELS_DIR", str(root))
    with pytest.raises(ModelError, match="ch_PP-OCRv4_det_infer.onnx: det model file .* is missing"):
        verify_model_set(resolve_model_set("light"))


def test_broken_manifest_is_reported(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="manifest.json: not a valid JSON manifest"):
        resolve_model_set(tmp_path)


def test_register_custom_set_and_use_it_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    light = resolve_model_set("light")
    manifest = registry.register_model_set("mine", light.det.path, light.rec.path, light.rec.dict_path)
    data = json.loads(manifest.read_text())
    assert data["det"]["sha256"] == light.det.sha256
    s = resolve_model_set("mine")
    verify_model_set(s)
    assert s.rec.path == light.rec.path and s.cls is not None


def test_folder_without_manifest_is_a_custom_set(tmp_path):
    light = resolve_model_set("light")
    shutil.copy(light.det.path, tmp_path / "my_det.onnx")
    shutil.copy(light.rec.path, tmp_path / "my_rec.onnx")
    shutil.copy(light.rec.dict_path, tmp_path / "keys.txt")
    s = resolve_model_set(tmp_path)
    assert s.det.path.name == "my_det.onnx" and s.rec.dict_path.name == "keys.txt"
    verify_model_set(s)
