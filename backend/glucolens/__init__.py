"""GlucoLens: open, self-hostable glucose analytics."""

__version__ = "0.1.0"
