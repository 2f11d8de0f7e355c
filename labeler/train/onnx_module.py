"""Run a bundled PP-OCR ONNX graph as a trainable torch.nn.Module (a small in-house interpreter).

Why an interpreter and not onnx2torch: docs/training-notes.md. The graphs here use about 30 op types,
all simple in eager PyTorch; interpreting them node by node (~500 nodes, negligible next to the
convolutions) gives exact control over what trains, keeps every tensor keyed by its ONNX name (which is
what onnx_writeback needs), handles dynamic shapes for free (eager: Shape/Slice/Reshape see real sizes),
and adds no dependency beyond torch and onnx.

What becomes trainable: every float initializer or Constant-node tensor with more than one element,
except BatchNormalization's running mean / variance (buffers). Scalars (epsilons, the 2 of Pow, Clip
bounds, the sqrt(2) of Gelu) and integer tensors (shapes, slice bounds) stay constants.

BatchNorm: with `freeze_bn_stats` (the default) every BN uses its running statistics in train() mode
too, so fine-tuning on a few hundred crops cannot drag the statistics learnt on millions; scale and
shift still train. Set it False to let train() mode update the statistics as ONNX/PyTorch define it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper, numpy_helper
from torch import nn

# ONNX TensorProto data types -> torch dtypes (the ones Cast and initializers can carry here).
_DTYPES = {
    1: torch.float32,
    2: torch.uint8,
    3: torch.int8,
    6: torch.int32,
    7: torch.int64,
    9: torch.bool,
    10: torch.float16,
    11: torch.float64,
    16: torch.bfloat16,
}


CHANNELS_LAST_GROUPED = True  # grouped 2-D convolutions run channels-last when gradients flow (speed only)


@contextmanager
def denormals_flushed() -> Iterator[bool]:
    """Treat denormal floats as zero while training (yields whether the CPU supports it).

    PP-OCRv6 det holds ~256,000 denormal weights: with them a CPU training step runs 3.4x slower
    (4x320x320: 3.7 s -> 1.1 s); the values lost are below 1.2e-38.
    """
    supported = torch.set_flush_denormal(True)
    try:
        yield supported
    finally:
        torch.set_flush_denormal(False)


class UnsupportedGraph(ValueError):
    """The ONNX graph uses an op or an attribute this interpreter does not implement."""


def _attrs(node: onnx.NodeProto) -> dict:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _s(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ints(t: torch.Tensor | None) -> list[int] | None:
    return None if t is None else [int(v) for v in t.reshape(-1).tolist()]


def _same_pads(size: list[int], kernel: list[int], strides: list[int], dilations: list[int], upper: bool) -> list[int]:
    """F.pad order (last dim first) for auto_pad SAME_UPPER / SAME_LOWER at the input's real size."""
    pads: list[int] = []
    for n, k, s, d in reversed(list(zip(size, kernel, strides, dilations))):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small, big = total // 2, total - total // 2
        pads += [small, big] if upper else [big, small]
    return pads


def _explicit_pads(pads: list[int]) -> list[int]:
    """ONNX [x1_begin, x2_begin, ..., x1_end, x2_end, ...] -> F.pad order."""
    n = len(pads) // 2
    out: list[int] = []
    for i in reversed(range(n)):
        out += [pads[i], pads[i + n]]
    return out


def _sanitize(name: str, taken: set[str]) -> str:
    key = re.sub(r"\W", "_", name)
    if not key or key[0].isdigit():
        key = "t_" + key
    base, i = key, 1
    while key in taken:
        key, i = f"{base}_{i}", i + 1
    taken.add(key)
    return key


class OnnxModule(nn.Module):
    """Callable like the ONNX session: forward(x) -> the graph's first output (or a tuple of all).

    `onnx_tensors()` returns every weight-like tensor keyed by its ONNX name, for onnx_writeback.
    """

    def __init__(self, model: onnx.ModelProto | str | Path, freeze_bn_stats: bool = True):
        super().__init__()
        if not isinstance(model, onnx.ModelProto):
            model = onnx.load(str(model))
        graph = model.graph
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 13)
        self.freeze_bn_stats = freeze_bn_stats
        initializers = {t.name for t in graph.initializer}
        self.input_names = [i.name for i in graph.input if i.name not in initializers]  # old IRs list both
        self.output_names = [o.name for o in graph.output]
        self.params = nn.ParameterDict()  # trainable weights
        self.bn_stats = nn.Module()  # BatchNorm running mean / variance (buffers)
        self.key_of: dict[str, str] = {}  # ONNX tensor name -> key in params / buffers
        self._consts: dict[str, torch.Tensor] = {}  # integer / scalar constants (not state)
        self._float_consts: list[str] = []

        tensors: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
        self.nodes: list[tuple[str, list[str], list[str], dict]] = []
        for node in graph.node:
            attrs = _attrs(node)
            if node.op_type == "Constant":
                if "value" not in attrs:
                    raise UnsupportedGraph(f"Constant {node.output[0]} without a 'value' tensor")
                tensors[node.output[0]] = numpy_helper.to_array(attrs["value"])
                continue
            if node.domain not in ("", "ai.onnx"):
                raise UnsupportedGraph(f"op {node.domain}::{node.op_type} is not supported")
            if node.op_type not in _OPS:
                raise UnsupportedGraph(f"op {node.op_type} is not supported (node {node.name!r})")
            self.nodes.append((node.op_type, list(node.input), list(node.output), attrs))

        bn_stats = {n[1][i] for n in self.nodes if n[0] == "BatchNormalization" for i in (3, 4)}
        taken: set[str] = set()
        for name, arr in tensors.items():
            self._register(name, arr, name in bn_stats, taken)
        # The last Softmax feeding an output: forward(log_probs=True) takes log_softmax of its input instead;
        # the last Sigmoid (DB detectors): forward(logits=True) returns its input, for a BCE-with-logits loss.
        producers = {out: n for n in self.nodes for out in n[2]}
        last = producers.get(self.output_names[0])
        while last is not None and last[0] == "Identity":
            last = producers.get(last[1][0])
        self._final_softmax = last if last is not None and last[0] == "Softmax" else None
        self._final_sigmoid = last if last is not None and last[0] == "Sigmoid" else None

    def _register(self, name: str, arr: np.ndarray, is_bn_stat: bool, taken: set[str]) -> None:
        t = torch.from_numpy(np.array(arr))
        if not t.is_floating_point() or (t.numel() <= 1 and not is_bn_stat):
            self._consts[name] = t  # shapes, indices, scalars: plain constants (moved with .to() below)
            if t.is_floating_point():
                self._float_consts.append(name)
            return
        key = _sanitize(name, taken)
        self.key_of[name] = key
        if is_bn_stat:
            self.bn_stats.register_buffer(key, t)
        else:
            self.params[key] = nn.Parameter(t)

    def _apply(self, fn, *args, **kwargs):
        # Keep float scalar constants on the same device / dtype as the weights.
        out = super()._apply(fn, *args, **kwargs)
        for name in self._float_consts:
            self._consts[name] = fn(self._consts[name])
        return out

    @property
    def ends_in_softmax(self) -> bool:
        """forward(log_probs=True) is available (computed as log_softmax of the final Softmax's input)."""
        return self._final_softmax is not None

    @property
    def ends_in_sigmoid(self) -> bool:
        """forward(logits=True) is available (the input of the final Sigmoid)."""
        return self._final_sigmoid is not None

    def tensor(self, name: str) -> torch.Tensor:
        """The live tensor (parameter, buffer or constant) for an ONNX name."""
        key = self.key_of.get(name)
        if key is None:
            return self._consts[name]
        return self.params[key] if key in self.params else getattr(self.bn_stats, key)

    def onnx_tensors(self) -> dict[str, np.ndarray]:
        """Every parameter and BN statistic by ONNX name, as float numpy arrays on the CPU."""
        return {name: self.tensor(name).detach().cpu().numpy() for name in self.key_of}

    def parameter_names(self) -> list[str]:
        """ONNX names of the trainable tensors."""
        return [name for name, key in self.key_of.items() if key in self.params]

    def forward(self, *inputs: torch.Tensor, log_probs: bool = False, logits: bool = False):
        if log_probs and self._final_softmax is None:
            raise UnsupportedGraph("log_probs needs a graph whose output comes from a Softmax")
        if logits and self._final_sigmoid is None:
            raise UnsupportedGraph("logits needs a graph whose output comes from a Sigmoid")
        env: dict[str, torch.Tensor | None] = {"": None}
        if len(inputs) != len(self.input_names):
            raise TypeError(f"the graph takes {len(self.input_names)} inputs, got {len(inputs)}")
        env.update(zip(self.input_names, inputs))
        for op, ins, outs, attrs in self.nodes:
            if log_probs and self._final_softmax is not None and outs == self._final_softmax[2]:
                # Same values as log(softmax), without the clamp log needs or its dead gradients.
                x = env[ins[0]]
                axis = attrs.get("axis", -1 if self.opset >= 13 else 1)
                if axis % x.dim() != x.dim() - 1:
                    raise UnsupportedGraph("log_probs needs the final Softmax on the last axis")
                result = torch.log_softmax(x, dim=-1)
            elif logits and outs == self._final_sigmoid[2]:
                result = env[ins[0]]
            else:
                args = [env[i] if i in env else self.tensor(i) for i in ins]
                result = _OPS[op](self, args, attrs)
            if isinstance(result, tuple):
                env.update(zip(outs, result))
            else:
                env[outs[0]] = result
        outputs = tuple(env[o] for o in self.output_names)
        return outputs[0] if len(outputs) == 1 else outputs


# ---- ops: fn(module, inputs, attrs) -> tensor -------------------------------------------------------


def _binary(fn: Callable) -> Callable:
    return lambda m, a, at: fn(a[0], a[1])


def _div(m, a, at):
    x, y = a
    if x.is_floating_point() or y.is_floating_point():
        return x / y
    return torch.div(x, y, rounding_mode="trunc")


def _conv(m, a, at):
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    nd = w.dim() - 2
    strides = at.get("strides", [1] * nd)
    dil = at.get("dilations", [1] * nd)
    x = _pad_for(x, at, list(w.shape[2:]), strides, dil, 0.0)
    conv = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    group = at.get("group", 1)
    if nd == 2 and group > 1 and CHANNELS_LAST_GROUPED and x.requires_grad | w.requires_grad:
        # oneDNN's channels-last kernels back-propagate depthwise convolutions ~10x faster than NCHW ones.
        x, w = x.contiguous(memory_format=torch.channels_last), w.contiguous(memory_format=torch.channels_last)
    return conv(x, w, b, strides, 0, dil, group)


def _pad_for(x, at, kernel, strides, dil, value):
    auto = _s(at.get("auto_pad", "NOTSET"))
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = _same_pads(list(x.shape[2:]), kernel, strides, dil, auto == "SAME_UPPER")
    elif auto == "VALID" or "pads" not in at:
        return x
    else:
        pads = _explicit_pads(at["pads"])
    return F.pad(x, pads, value=value) if any(pads) else x


def _conv_transpose(m, a, at):
    x, w = a[0], a[1]
    b = a[2] if len(a) > 2 else None
    nd = w.dim() - 2
    if _s(at.get("auto_pad", "NOTSET")) not in ("NOTSET", "VALID") or "output_shape" in at:
        raise UnsupportedGraph("ConvTranspose with auto_pad / output_shape")
    pads = at.get("pads", [0] * 2 * nd)
    if pads[:nd] != pads[nd:]:
        raise UnsupportedGraph("ConvTranspose with asymmetric pads")
    fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[nd - 1]
    return fn(
        x,
        w,
        b,
        at.get("strides", [1] * nd),
        pads[:nd],
        at.get("output_padding", [0] * nd),
        at.get("group", 1),
        at.get("dilations", [1] * nd),
    )


def _batch_norm(m, a, at):
    x, scale, bias, mean, var = a
    update = m.training and not m.freeze_bn_stats
    # ONNX: running = running * momentum + batch * (1 - momentum); torch's momentum is the other weight.
    return F.batch_norm(x, mean, var, scale, bias, update, 1.0 - at.get("momentum", 0.9), at.get("epsilon", 1e-5))


def _pool(kind: str) -> Callable:
    def run(m, a, at):
        x = a[0]
        kernel = at["kernel_shape"]
        nd = len(kernel)
        strides = at.get("strides", [1] * nd)
        dil = at.get("dilations", [1] * nd)
        ceil = bool(at.get("ceil_mode", 0))
        auto = _s(at.get("auto_pad", "NOTSET"))
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = _same_pads(list(x.shape[2:]), kernel, strides, dil, auto == "SAME_UPPER")
        elif auto == "VALID":
            pads = [0] * 2 * nd
        else:
            pads = _explicit_pads(at.get("pads", [0] * 2 * nd))
        if kind == "max":
            if any(pads):
                x = F.pad(x, pads, value=float("-inf"))
            fn = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[nd - 1]
            return fn(x, kernel, strides, 0, dil, ceil)
        if any(d != 1 for d in dil):
            raise UnsupportedGraph("AveragePool with dilations")
        include = bool(at.get("count_include_pad", 0))
        fn = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[nd - 1]
        sym = pads[0::2] == pads[1::2]
        if any(pads) and not (sym and 2 * max(pads) <= min(kernel)):
            if not include or ceil:
                raise UnsupportedGraph("AveragePool with asymmetric pads and count_include_pad=0 / ceil_mode")
            return fn(F.pad(x, pads), kernel, strides, 0, ceil, True)
        # F.pad order is last-dim-first; avg_pool's padding argument is first-dim-first.
        return fn(x, kernel, strides, list(reversed(pads[0::2])), ceil, include)

    return run


def _reshape(m, a, at):
    x, shape = a[0], _ints(a[1])
    if not at.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _axes(m, a, at, index: int = 1) -> list[int] | None:
    if "axes" in at:
        return list(at["axes"])
    return _ints(a[index]) if len(a) > index and a[index] is not None else None


def _squeeze(m, a, at):
    x, axes = a[0], _axes(m, a, at)
    if axes is None:
        return x.squeeze()
    for ax in sorted((ax % x.dim() for ax in axes), reverse=True):
        x = x.squeeze(ax)
    return x


def _unsqueeze(m, a, at):
    x, axes = a[0], _axes(m, a, at)
    rank = x.dim() + len(axes)
    for ax in sorted(ax % rank for ax in axes):
        x = x.unsqueeze(ax)
    return x


def _slice(m, a, at):
    x = a[0]
    if "starts" in at:  # opset < 10
        starts, ends, axes, steps = at["starts"], at["ends"], at.get("axes"), None
    else:
        starts, ends = _ints(a[1]), _ints(a[2])
        axes = _ints(a[3]) if len(a) > 3 else None
        steps = _ints(a[4]) if len(a) > 4 else None
    axes = axes if axes is not None else list(range(len(starts)))
    steps = steps if steps is not None else [1] * len(starts)
    index = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        if st <= 0:
            raise UnsupportedGraph("Slice with a step <= 0")
        index[ax % x.dim()] = slice(s, e, st)
    return x[tuple(index)]


def _reduce_mean(m, a, at):
    axes = _axes(m, a, at)
    keep = bool(at.get("keepdims", 1))
    if axes is None:
        return a[0].mean(dim=tuple(range(a[0].dim())), keepdim=keep)
    return a[0].mean(dim=tuple(axes), keepdim=keep)


def _softmax(m, a, at):
    x = a[0]
    axis = at.get("axis", -1 if m.opset >= 13 else 1) % x.dim()
    if m.opset >= 13 or axis == x.dim() - 1:
        return torch.softmax(x, dim=axis)
    # Before opset 13, Softmax flattens everything from `axis` on into one dimension.
    return torch.softmax(x.reshape(*x.shape[:axis], -1), dim=-1).reshape(x.shape)


def _clip(m, a, at):
    x = a[0]
    lo = a[1] if len(a) > 1 and a[1] is not None else at.get("min")
    hi = a[2] if len(a) > 2 and a[2] is not None else at.get("max")
    lo = lo.item() if isinstance(lo, torch.Tensor) else lo
    hi = hi.item() if isinstance(hi, torch.Tensor) else hi
    return torch.clamp(x, lo, hi)


def _resize(m, a, at):
    x = a[0]
    how = (
        _s(at.get("mode", "nearest")),
        _s(at.get("coordinate_transformation_mode", "half_pixel")),
        _s(at.get("nearest_mode", "round_prefer_floor")),
    )
    if how != ("nearest", "asymmetric", "floor"):
        raise UnsupportedGraph("Resize other than nearest / asymmetric / floor")
    scales = a[2] if len(a) > 2 and a[2] is not None and a[2].numel() else None
    sizes = a[3] if len(a) > 3 and a[3] is not None and a[3].numel() else None
    if sizes is not None:
        return F.interpolate(x, size=_ints(sizes)[2:], mode="nearest")
    factors = [float(v) for v in scales.tolist()]
    if factors[:2] != [1.0, 1.0]:
        raise UnsupportedGraph("Resize of batch or channel axes")
    size = [int(np.floor(n * f)) for n, f in zip(x.shape[2:], factors[2:])]
    # torch's "nearest" is ONNX nearest + asymmetric + floor, computed with the given scales.
    return F.interpolate(x, size=size, mode="nearest")


def _hard_sigmoid(m, a, at):
    return torch.clamp(a[0] * at.get("alpha", 0.2) + at.get("beta", 0.5), 0.0, 1.0)


def _shape(m, a, at):
    shape = list(a[0].shape)[at.get("start", 0) : at.get("end", None)]
    return torch.tensor(shape, dtype=torch.int64)


def _gemm(m, a, at):
    x, w = a[0], a[1]
    x = x.t() if at.get("transA", 0) else x
    w = w.t() if at.get("transB", 0) else w
    y = at.get("alpha", 1.0) * (x @ w)
    return y + at.get("beta", 1.0) * a[2] if len(a) > 2 and a[2] is not None else y


def _flatten(m, a, at):
    x = a[0]
    axis = at.get("axis", 1) % (x.dim() + 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def _layer_norm(m, a, at):
    x = a[0]
    axis = at.get("axis", -1) % x.dim()
    return F.layer_norm(x, x.shape[axis:], a[1], a[2] if len(a) > 2 else None, at.get("epsilon", 1e-5))


_OPS: dict[str, Callable] = {
    "Identity": lambda m, a, at: a[0],
    "Add": _binary(torch.add),
    "Sub": _binary(torch.sub),
    "Mul": _binary(torch.mul),
    "Div": _div,
    "Pow": _binary(torch.pow),
    "MatMul": _binary(torch.matmul),
    "Sqrt": lambda m, a, at: torch.sqrt(a[0]),
    "Erf": lambda m, a, at: torch.erf(a[0]),
    "Exp": lambda m, a, at: torch.exp(a[0]),
    "Tanh": lambda m, a, at: torch.tanh(a[0]),
    "Neg": lambda m, a, at: torch.neg(a[0]),
    "Relu": lambda m, a, at: torch.relu(a[0]),
    "Sigmoid": lambda m, a, at: torch.sigmoid(a[0]),
    "HardSigmoid": _hard_sigmoid,
    "HardSwish": lambda m, a, at: F.hardswish(a[0]),
    "Clip": _clip,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Gemm": _gemm,
    "MaxPool": _pool("max"),
    "AveragePool": _pool("avg"),
    "GlobalAveragePool": lambda m, a, at: a[0].mean(dim=tuple(range(2, a[0].dim())), keepdim=True),
    "ReduceMean": _reduce_mean,
    "Transpose": lambda m, a, at: a[0].permute(*at.get("perm", list(reversed(range(a[0].dim()))))),
    "Reshape": _reshape,
    "Flatten": _flatten,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Slice": _slice,
    "Concat": lambda m, a, at: torch.cat(a, dim=at["axis"]),
    "Softmax": _softmax,
    "Shape": _shape,
    "Cast": lambda m, a, at: a[0].to(_DTYPES[at["to"]]),
    "Resize": _resize,
}
