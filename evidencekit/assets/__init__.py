"""Prepare evidence for rendering: one module per input family, each owning its library."""
