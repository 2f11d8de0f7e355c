"""What an ONNX file declares about itself (graph outputs and their shapes, metadata), without onnxruntime.

A few lines of protobuf wire-format reading over a memory map: the initializers (nearly all of the file)
are skipped by their length, so only the pages holding the graph's small header fields are read.
The `onnx` package is a training extra, so the app does not depend on it.
"""

from __future__ import annotations

import mmap
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import ModelError

Dim = int | str | None  # a fixed size, a symbolic name, or unknown

# Field numbers from onnx.proto (ModelProto, GraphProto, ValueInfoProto, TypeProto, TensorShapeProto).
_MODEL_GRAPH, _MODEL_METADATA = 7, 14
_GRAPH_OUTPUT = 12
_VALUE_NAME, _VALUE_TYPE = 1, 2
_TYPE_TENSOR = 1
_TENSOR_SHAPE = 2
_SHAPE_DIM = 1
_DIM_VALUE, _DIM_PARAM = 1, 2
_ENTRY_KEY, _ENTRY_VALUE = 1, 2


@dataclass(frozen=True)
class OnnxOutput:
    name: str
    dims: tuple[Dim, ...] | None  # None: the file declares no shape


@dataclass(frozen=True)
class OnnxInfo:
    outputs: list[OnnxOutput] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


class _Truncated(Exception):
    pass


def _varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if pos >= end or shift > 63:
            raise _Truncated
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(buf: memoryview, start: int, end: int):
    """(field number, wire type, value) over one message; length-delimited values are (start, end) spans."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        value: int | tuple[int, int] | None
        if wire == 0:
            value, pos = _varint(buf, pos, end)
        elif wire == 2:
            length, pos = _varint(buf, pos, end)
            if pos + length > end:
                raise _Truncated
            value, pos = (pos, pos + length), pos + length
        elif wire == 1:
            value, pos = None, pos + 8
        elif wire == 5:
            value, pos = None, pos + 4
        else:  # groups (3, 4) are not used by onnx.proto
            raise _Truncated
        if pos > end:
            raise _Truncated
        yield number, wire, value


def _text(buf: memoryview, span: tuple[int, int]) -> str:
    return bytes(buf[span[0] : span[1]]).decode("utf-8", errors="replace")


def _dims(buf: memoryview, span: tuple[int, int]) -> tuple[Dim, ...]:
    dims: list[Dim] = []
    for number, wire, value in _fields(buf, *span):
        if number != _SHAPE_DIM or wire != 2:
            continue
        dim: Dim = None
        for n, w, v in _fields(buf, *value):
            if n == _DIM_VALUE and w == 0:
                dim = v - (1 << 64) if v >= 1 << 63 else v  # int64 two's complement
            elif n == _DIM_PARAM and w == 2:
                dim = _text(buf, v)
        dims.append(dim)
    return tuple(dims)


def _output(buf: memoryview, span: tuple[int, int]) -> OnnxOutput:
    name, dims = "", None
    for number, wire, value in _fields(buf, *span):
        if number == _VALUE_NAME and wire == 2:
            name = _text(buf, value)
        elif number == _VALUE_TYPE and wire == 2:
            for n, w, tensor in _fields(buf, *value):
                if n == _TYPE_TENSOR and w == 2:
                    for n2, w2, shape in _fields(buf, *tensor):
                        if n2 == _TENSOR_SHAPE and w2 == 2:
                            dims = _dims(buf, shape)
    return OnnxOutput(name, dims)


def read_onnx_info(path: Path) -> OnnxInfo:
    """The graph's outputs (in order: onnxruntime's get_outputs()) and the model's metadata_props."""
    try:
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            buf = memoryview(mapped)
            try:
                return _parse(buf)
            finally:
                buf.release()
    except (OSError, ValueError) as exc:  # ValueError: mmap of an empty file
        raise ModelError(f"{path}: cannot read the ONNX file ({exc})") from None
    except _Truncated:
        raise ModelError(f"{path}: not a valid ONNX file (truncated or not protobuf)") from None


def _parse(buf: memoryview) -> OnnxInfo:
    outputs: list[OnnxOutput] = []
    metadata: dict[str, str] = {}
    for number, wire, value in _fields(buf, 0, len(buf)):
        if number == _MODEL_GRAPH and wire == 2:
            outputs += [_output(buf, v) for n, w, v in _fields(buf, *value) if n == _GRAPH_OUTPUT and w == 2]
        elif number == _MODEL_METADATA and wire == 2:
            entry = {n: _text(buf, v) for n, w, v in _fields(buf, *value) if w == 2}
            metadata[entry.get(_ENTRY_KEY, "")] = entry.get(_ENTRY_VALUE, "")
    return OnnxInfo(outputs, metadata)
