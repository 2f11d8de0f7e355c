"""Data the build maps into the installed package: labeler.bundled.models (the top-level models/ folder) and
labeler.bundled.translations (resources/translations/). In a checkout they are read in place
(labeler/core/bundled.py)."""
