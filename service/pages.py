"""HTML pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from service import get_store

bp = Blueprint("pages", __name__)


@bp.get("/")
def index():
    docs = get_store().documents()
    return render_template("index.html", documents=docs)
