"""Does a set's dictionary fit its recognizer? Class count = dictionary lines + blank (+ space).

The rule is the one labeler.ocr.ctc.load_charset builds the character list with: index 0 is the CTC blank,
then one class per dictionary line, then a space when the rec preprocess says use_space_char (default true).
The recognizer's count is the last dimension of its first output, read from the ONNX file at load; where the
file leaves it symbolic, TextRecognizer checks the first real output with the same error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labeler.core.errors import ModelError
from labeler.ocr.model_set import ModelSet
from labeler.ocr.onnx_info import read_onnx_info


@dataclass(frozen=True)
class DictionaryClasses:
    source: str  # the dictionary file, or the ONNX file whose 'character' metadata it is
    lines: int
    use_space: bool

    @property
    def classes(self) -> int:
        return self.lines + 1 + int(self.use_space)

    def detail(self) -> str:
        return f"{self.lines} lines + blank" + (" + space" if self.use_space else "")


def class_count_error(
    model: str | Path,
    model_classes: int,
    dictionary: str | Path,
    dict_classes: int,
    detail: str = "its lines + blank, + space when use_space_char",
) -> ModelError:
    return ModelError(
        f"{model}: the recognizer outputs {model_classes} classes but the dictionary {dictionary} "
        f"gives {dict_classes} ({detail}); this model and this dictionary do not belong together"
    )


def dictionary_classes(model_set: ModelSet, metadata: dict[str, str] | None = None) -> DictionaryClasses:
    """How many classes the set's dictionary gives, read exactly as the pipeline reads it."""
    rec = model_set.rec
    use_space = bool(rec.preprocess.get("use_space_char", True))
    if rec.dict_path is not None:
        try:
            lines = rec.dict_path.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError as exc:
            raise ModelError(f"{rec.dict_path}: dictionary of set '{model_set.name}' is not UTF-8 ({exc})") from None
        except OSError as exc:
            raise ModelError(f"{rec.dict_path}: cannot read dictionary of set '{model_set.name}' ({exc})") from None
        if lines and lines[-1] == "":
            lines.pop()
        return DictionaryClasses(str(rec.dict_path), len(lines), use_space)
    meta = (metadata if metadata is not None else read_onnx_info(rec.path).metadata).get("character")
    if meta is None:
        raise ModelError(f"{rec.path}: no dictionary file and no 'character' metadata in the model")
    return DictionaryClasses(f"'character' metadata of {rec.path}", len(meta.split("\n")), use_space)


def declared_classes(path: Path) -> tuple[int | None, dict[str, str]]:
    """(the class count the rec ONNX file declares, or None where symbolic; its metadata)."""
    info = read_onnx_info(path)
    if not info.outputs or not info.outputs[0].dims:
        return None, info.metadata
    last = info.outputs[0].dims[-1]
    return (last if isinstance(last, int) and last > 0 else None), info.metadata


def rec_class_problem(model_set: ModelSet) -> ModelError | None:
    """The mismatch between dictionary and recognizer as an error, or None (also when only a run can tell)."""
    try:
        classes, metadata = declared_classes(model_set.rec.path)
        wanted = dictionary_classes(model_set, metadata)
    except ModelError as exc:
        return exc
    if classes is None or classes == wanted.classes:
        return None
    return class_count_error(model_set.rec.path, classes, wanted.source, wanted.classes, wanted.detail())


def probe_rec_classes(model_set: ModelSet) -> int:
    """Run the recognizer once on a blank crop: its class count when the file leaves it symbolic."""
    import numpy as np  # here: the registry imports this module, and listing sets needs no numpy

    from labeler.ocr.session import OrtSession

    shape = model_set.rec.preprocess.get("image_shape", [3, 48, 320])
    session = OrtSession(model_set.rec.path, threads=1)
    try:
        probs = session.run(np.zeros((1, int(shape[0]), int(shape[1]), int(shape[2])), np.float32))
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise ModelError(f"{model_set.rec.path}: the recognizer fails on a blank {shape} crop ({exc})") from exc
    return int(np.shape(probs)[-1])
