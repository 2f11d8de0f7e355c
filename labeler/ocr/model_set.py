"""What a model set is: its ONNX files (det, cls, rec) with their checksums and pre-/post-processing.

Finding, reading and registering sets is registry.py's; these types stand alone so the checks of a set's
files (model_checks.py) can name them without importing the registry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ModelFile:
    """One ONNX file of a set, with what is needed to check it and feed it."""

    stage: str
    path: Path
    sha256: str | None
    preprocess: dict[str, Any] = field(default_factory=dict)
    postprocess: dict[str, Any] = field(default_factory=dict)
    dict_path: Path | None = None  # rec only: one character per line
    upstream: str = ""
    source_package: str = ""
    license: str = ""
    dict_sha256: str | None = None  # rec only: the dictionary's checksum


@dataclass(frozen=True)
class ModelSet:
    name: str
    folder: Path
    description: str
    det: ModelFile
    rec: ModelFile
    cls: ModelFile | None
    aliases: tuple[str, ...] = ()

    def files(self) -> list[ModelFile]:
        return [m for m in (self.det, self.cls, self.rec) if m is not None]
