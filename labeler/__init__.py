"""labeler: semi-automatic OCR annotation with bundled PP-OCR models."""

__version__ = "0.1.0"
