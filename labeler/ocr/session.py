"""onnxruntime sessions behind a tiny interface (`run(x) -> y`), so tests can substitute a fake."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort

from labeler.core.errors import ModelError


class InferenceSession(Protocol):
    def run(self, x: np.ndarray) -> np.ndarray: ...


class OrtSession:
    """One ONNX model with a single input and a single output that we use."""

    def __init__(self, path: Path, threads: int = 2, providers: list[str] | None = None, spin: bool = False):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # The arena keeps the peak of every input size ever seen: 1.37 GB instead of 0.88 GB on A4 scans.
        opts.enable_cpu_mem_arena = False
        # Spinning saves ~15% when the cores are ours (headless runs) but starves a GUI thread
        # and collapses under contention, so it is opt-in.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        # Flush denormals to zero: PP-OCRv6 det holds ~256k denormal weights and every one costs a
        # microcode assist; detection runs ~35% faster and the outputs stay the same.
        opts.add_session_config_entry("session.set_denormal_as_zero", "1")
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=opts, providers=providers or ["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: cannot load ONNX model ({exc})") from exc
        self.path = Path(path)
        self.input_name = self._session.get_inputs()[0].name
        self.output_name = self._session.get_outputs()[0].name
        self._meta = self._session.get_modelmeta().custom_metadata_map

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._meta)

    def run(self, x: np.ndarray) -> np.ndarray:
        return self._session.run([self.output_name], {self.input_name: x})[0]
