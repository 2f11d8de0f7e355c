"""ONNX OCR pipeline: model registry, det / cls / rec stages. Never imports Qt."""
