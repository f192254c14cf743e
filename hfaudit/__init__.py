"""hfaudit: audit how models are released on the Hugging Face Hub."""

__version__ = "0.1.0"
