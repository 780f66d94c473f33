"""Thước đo shared library: the event contract, Kafka helpers, settings and reference data."""

__version__ = "0.1.0"
