"""校对: what a person with a red pen would mark in a plan's text or its Word file.

One checker for every place text comes from — a generated or saved version, a sentence staff
type or paste, an uploaded .docx — below drafting and the service (no Flask, no store): the
caller passes what it knows (the plan's year and level, the body's name, the cited sources).
"""
from proofread.context import CheckContext
from proofread.findings import Finding
from proofread.text import CheckError, check_docx, check_file, check_text

__all__ = ["CheckContext", "CheckError", "Finding", "check_docx", "check_file", "check_text"]
