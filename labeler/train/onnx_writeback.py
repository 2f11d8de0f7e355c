"""Write trained tensors back into a copy of the original ONNX graph, by initializer name.

The graph itself is never re-exported (why: docs/training-notes.md): only tensor values change, so dynamic
shapes, metadata (the 'character' dictionary) and every untouched tensor stay byte for byte the same.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from labeler.core.atomic import atomic_write_bytes


class WritebackError(ValueError):
    """The tensors do not fit the graph, or the destination is not allowed."""


def _protected_dirs() -> list[Path]:
    from labeler.ocr.registry import bundled_models_dir

    return [bundled_models_dir().resolve()]


def _check_destination(source: Path, dest: Path) -> None:
    dest_r = dest.resolve()
    if dest_r == source.resolve():
        raise WritebackError(f"refusing to overwrite the source model {source}")
    for folder in _protected_dirs():
        if dest_r.is_relative_to(folder):
            raise WritebackError(f"refusing to write into the bundled models folder {folder}")


def _replace(old: onnx.TensorProto, value: np.ndarray) -> onnx.TensorProto | None:
    """New TensorProto for `old` holding `value`, or None when the values are unchanged."""
    current = numpy_helper.to_array(old)
    value = np.asarray(value)
    if value.shape != current.shape:
        raise WritebackError(f"tensor {old.name!r}: shape {value.shape} does not fit {current.shape}")
    value = value.astype(current.dtype, copy=False)
    if np.array_equal(value, current):
        return None  # untouched: keep the original bytes (and encoding) exactly
    if not np.all(np.isfinite(value)):
        raise WritebackError(f"tensor {old.name!r} holds NaN or infinity")
    return numpy_helper.from_array(np.ascontiguousarray(value), old.name)


def apply_tensors(model: onnx.ModelProto, tensors: Mapping[str, np.ndarray], strict: bool = True) -> list[str]:
    """Replace initializer / Constant-node values in `model` in place; returns the names that changed.

    strict: every name in `tensors` must exist in the graph (a typo would silently train nothing).
    """
    found: set[str] = set()
    changed: list[str] = []
    for i, init in enumerate(model.graph.initializer):
        if init.name in tensors:
            found.add(init.name)
            new = _replace(init, tensors[init.name])
            if new is not None:
                model.graph.initializer[i].CopyFrom(new)
                changed.append(init.name)
    for node in model.graph.node:
        if node.op_type != "Constant" or node.output[0] not in tensors:
            continue
        for attr in node.attribute:
            if attr.name == "value":
                found.add(node.output[0])
                new = _replace(attr.t, tensors[node.output[0]])
                if new is not None:
                    attr.t.CopyFrom(new)
                    changed.append(node.output[0])
    missing = sorted(set(tensors) - found)
    if strict and missing:
        raise WritebackError(f"{len(missing)} tensors are not in the graph, e.g. {missing[:3]}")
    return changed


def write_back(
    source: str | os.PathLike, tensors: Mapping[str, np.ndarray], dest: str | os.PathLike, strict: bool = True
) -> list[str]:
    """Copy the ONNX file `source` to `dest` with `tensors` (ONNX name -> array) written in; atomic.

    Refuses dest == source and anything inside the bundled models folder. Returns the changed names.
    """
    source, dest = Path(source), Path(dest)
    _check_destination(source, dest)
    model = onnx.load(str(source))
    changed = apply_tensors(model, tensors, strict)
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(dest, model.SerializeToString())
    return changed
