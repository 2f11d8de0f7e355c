"""onnxruntime sessions behind a tiny interface (`run(x) -> y`), so tests can substitute a fake."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort

from labeler.core.errors import ModelError

# A recognition batch of 6 crops 48 x 960 px; 96% of text lines are narrower.
SHRINK_ARENA_ABOVE_BYTES = 6 * 3 * 48 * 960 * 4


class InferenceSession(Protocol):
    def run(self, x: np.ndarray) -> np.ndarray: ...


class OrtSession:
    """One ONNX model with a single input and a single output that we use."""

    def __init__(
        self, path: Path, threads: int = 2, providers: list[str] | None = None, spin: bool = False, arena: bool = False
    ):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        # The arena keeps the peak of every input size ever seen: 1.37 GB instead of 0.88 GB on A4 scans,
        # so only models with small inputs (recognition crops: ~17% faster) keep it.
        opts.enable_cpu_mem_arena = bool(arena)
        # Spinning saves ~15% when the cores are ours (headless runs) but starves a GUI thread
        # and collapses under contention, so it is opt-in.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        # Flush denormals to zero: PP-OCRv6 det holds ~256k denormal weights and every one costs a
        # microcode assist; detection runs ~2.2x faster (39 -> 18 s on the public set), same outputs.
        opts.add_session_config_entry("session.set_denormal_as_zero", "1")
        try:
            # Creating a session also flushes denormals on the creating thread: never the main one.
            self._session = _off_main_thread(
                ort.InferenceSession, str(path), sess_options=opts, providers=providers or ["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"{path}: cannot load ONNX model ({exc})") from exc
        self.path = Path(path)
        # After an unusually large input the arena hands its free chunks back, so one long text line
        # does not keep ~100 MB for the rest of the run.
        self._shrink = ort.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        self._shrink_above_bytes = SHRINK_ARENA_ABOVE_BYTES if arena else None
        self.input_name = self._session.get_inputs()[0].name
        self.output_name = self._session.get_outputs()[0].name
        self._meta = self._session.get_modelmeta().custom_metadata_map

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._meta)

    def run(self, x: np.ndarray) -> np.ndarray:
        return _off_main_thread(self._run, x)

    def _run(self, x: np.ndarray) -> np.ndarray:
        big = self._shrink_above_bytes is not None and x.nbytes > self._shrink_above_bytes
        return self._session.run([self.output_name], {self.input_name: x}, self._shrink if big else None)[0]


_RUNNER: ThreadPoolExecutor | None = None
_RUNNER_LOCK = threading.Lock()


def _off_main_thread(fn, *args, **kwargs):
    """fn(...) on a helper thread when called from the main thread: onnxruntime flushes denormals on
    the threads that create or run a session, and the main thread's floats must stay IEEE."""
    global _RUNNER
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    with _RUNNER_LOCK:
        if _RUNNER is None:
            _RUNNER = ThreadPoolExecutor(1, thread_name_prefix="onnxruntime")
    return _RUNNER.submit(fn, *args, **kwargs).result()
