"""Pure analytics: functions over arrays and DataFrames returning plain dataclasses.

Nothing in this package imports FastAPI, SQLAlchemy or ``glucolens.core``.
"""
