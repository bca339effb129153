"""evidencekit: turn a YAML manifest of dispute evidence into an indexed PDF dossier."""

__version__ = "0.1.0"
