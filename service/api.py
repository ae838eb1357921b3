"""The JSON API under /api/."""
from __future__ import annotations

from flask import Blueprint, jsonify

from service import get_store

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/health")
def health():
    return jsonify({"ok": True})


@bp.get("/documents")
def documents():
    docs = get_store().documents()
    return jsonify(
        {
            "documents": [
                {
                    "id": d.id,
                    "source": d.source,
                    "title": d.title,
                    "level": d.level,
                    "year": d.year,
                    "kind": d.kind,
                    "org_name": d.org_name,
                    "on_topic": d.on_topic,
                    "topic_reason": d.topic_reason,
                    "family_id": d.family_id,
                }
                for d in docs
            ]
        }
    )
