"""Sitrep: a stream pipeline that turns scraped conflict news into clean, scored records."""

__version__ = "0.1.0"
