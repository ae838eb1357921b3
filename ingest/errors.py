"""Errors meant for the people who feed plandraft its files."""
from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. The message names the file and says why, in one line."""

    def __init__(self, source: str, reason: str):
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")
