"""Fine-tuning engines, run as a separate process. Never imports Qt."""
