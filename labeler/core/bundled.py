"""Where the bundled data is: the model sets, the translations and the icons.

An installed package holds them as labeler.bundled.models / labeler.bundled.translations (the build maps the
top-level models/ and resources/translations/ folders there, see pyproject.toml); a checkout or an editable
install reads the top-level folders in place. Found with importlib.resources, never with the working directory.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[2]
_IN_CHECKOUT = {
    "models": _CHECKOUT / "models",
    "translations": _CHECKOUT / "resources" / "translations",
    "icons": _CHECKOUT / "resources" / "icons",
}


def bundled_dir(kind: str) -> Path:
    """The folder of `kind` ("models", "translations", "icons"): the installed package's, else the checkout's."""
    if kind not in _IN_CHECKOUT:
        raise ValueError(f"unknown bundled data {kind!r}")
    try:
        found = resources.files("labeler.bundled") / kind  # a regular package: a plain path when installed
    except ModuleNotFoundError:  # never in this package; a stripped copy of it
        return _IN_CHECKOUT[kind]
    # Installed: a plain folder (onnxruntime needs real files). A checkout (also an editable install) has no
    # labeler/bundled/<kind>: the top-level folder is read in place.
    if isinstance(found, Path) and found.is_dir():
        return found
    return _IN_CHECKOUT[kind]
