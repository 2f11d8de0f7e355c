"""Annotation model, geometry, image reading, file formats and metrics. Never imports Qt."""
