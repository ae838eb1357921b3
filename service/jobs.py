"""Background ingest with progress: a thread runs ``ingest_paths``; its ``on_file`` writes progress
to the ``ingest_jobs`` table, which the admin page polls through /api/ingest/jobs/<id>."""
from __future__ import annotations

import os
import socket
import threading
import uuid
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ingest.loaders.common import reason_zh
from ingest.pipeline import ingest_paths
from plandraft.resources import token_limit_of
from service.corpus import is_upload, original_names, uploads_dir
from service.db import IngestJob, Upload, User, lock_for_writing, session_scope, utcnow
from service.errors import ApiError
from service.resources import get_store

_THREADS = "plandraft.ingest_threads"
# Every job thread of this process, whichever app started it: a job's runner names a process
# ("host:pid"), so whether it still runs is a question about the process, not about one app.
_PROCESS_THREADS: dict[str, threading.Thread] = {}


def running(app: Flask) -> bool:
    return any(t.is_alive() for t in app.extensions.get(_THREADS, {}).values())


def start(db: Session, user: User, paths: list[Path], kind: str, refused: list[dict] | None = None) -> IngestJob:
    """Record a job and start its thread; one ingest at a time across every worker of the database.

    ``refused``: files of the upload that were not kept (``{"source_name", "error"}``), reported
    with the job's own errors."""
    app = current_app._get_current_object()
    with app.extensions.setdefault("plandraft.ingest_lock", threading.Lock()):
        if running(app):
            raise ApiError("已有入库任务正在运行，请稍后再试 (an ingest is already running)", 409)
        # Another worker's job: the check and the new row are one transaction under the database's
        # write lock, so two workers asked at once cannot both find none.
        db.commit()
        lock_for_writing(db, "ingest_jobs")
        if _active_elsewhere(db):
            db.rollback()
            raise ApiError("已有入库任务正在运行，请稍后再试 (an ingest is already running)", 409)
        job = IngestJob(id=uuid.uuid4().hex[:16], kind=kind, status="queued", total=len(paths), created_by=user.id, runner=_this_process(),
                        report={"refused": list(refused or [])})
        thread = threading.Thread(target=_run, args=(app, job.id, [str(p) for p in paths], list(refused or [])), name=f"ingest-{job.id}", daemon=True)
        # Known before the job row is visible, so ``settle`` never takes it for an orphan.
        app.extensions.setdefault(_THREADS, {})[job.id] = thread
        _PROCESS_THREADS[job.id] = thread
        db.add(job)
        db.commit()
        thread.start()
    return job


def _active_elsewhere(db: Session) -> bool:
    """Whether a job is queued or running in a live process; jobs of dead processes are marked failed."""
    active = False
    for job in db.scalars(select(IngestJob).where(IngestJob.status.in_(("queued", "running")))):
        if _runner_alive(job):
            active = True
        else:
            _mark_orphaned(job)
    return active


def _mark_orphaned(job: IngestJob) -> None:
    job.status = "failed"
    job.error = f"运行入库任务的进程已结束，任务未完成，请重新入库 (the process running it, {job.runner}, ended)"
    job.finished_at = utcnow()


def job_or_404(db: Session, job_id: str) -> IngestJob:
    """The job as it stands now (settled, see ``settle``); 404 when there is none."""
    job = db.get(IngestJob, job_id)
    if job is None:
        raise ApiError("job: 没有这个入库任务 (no such job)", 404)
    return settle(db, job)


def settle(db: Session, job: IngestJob) -> IngestJob:
    """``job``, marked failed if it is still queued or running but the process running it is
    gone (killed, restarted): otherwise an admin would watch it "running" for ever."""
    db.refresh(job)  # the worker thread writes through its own session
    if job.status in ("queued", "running") and not _runner_alive(job):
        _mark_orphaned(job)
        db.commit()
    return job


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _runner_alive(job: IngestJob) -> bool:
    host, _, pid = (job.runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's (or an unrecorded) runner: nothing to tell from here
    if int(pid) == os.getpid():
        thread = _PROCESS_THREADS.get(job.id)
        return thread is not None and (thread.ident is None or thread.is_alive())  # not started yet, or running
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait(app: Flask, job_id: str, timeout: float | None = None) -> None:
    """Block until a job's thread ends (tests and the CLI)."""
    thread = app.extensions.get(_THREADS, {}).get(job_id)
    if thread is not None:
        thread.join(timeout)


def _update(job_id: str, **values) -> None:
    with session_scope() as db:
        job = db.get(IngestJob, job_id)
        for key, value in values.items():
            setattr(job, key, value)


def _run(app: Flask, job_id: str, paths: list[str], refused: list[dict]) -> None:
    with app.app_context():
        try:
            names = _names()
            _update(job_id, status="running", current=names.get(paths[0], Path(paths[0]).name) if paths else "")
            done = 0

            def on_file(_path) -> None:
                nonlocal done
                done += 1
                nxt = names.get(paths[done], Path(paths[done]).name) if done < len(paths) else ""
                _update(job_id, done=done, current=nxt)

            report = ingest_paths(
                paths,
                get_store(),
                max_bytes=int(app.config["MAX_FILE_MB"]) * 1024 * 1024,
                max_chunk_chars=int(app.config["CHUNK_MAX_CHARS"]),
                token_limit=token_limit_of(get_store().embedder),
                on_file=on_file,
            ).to_dict()
            for item in report["documents"] + report["errors"]:
                item["source_name"] = names.get(item["source"], Path(item["source"]).name)
            for item in report["errors"]:
                item["reason"] = reason_zh(item["error"])  # the English stays for the API and logs
            report["refused"] = refused
            _forget_failed_uploads([e["source"] for e in report["errors"]])
            report["unchanged"] = [names.get(s, Path(s).name) for s in report["unchanged"]]
            _update(job_id, status="done", done=len(paths), current="", report=report, finished_at=utcnow())
        except Exception as exc:  # the job record is the only place an admin would see this
            app.logger.exception("ingest job %s failed", job_id)
            _update(job_id, status="failed", error=f"{type(exc).__name__}: {exc}", finished_at=utcnow())


def _forget_failed_uploads(sources: list[str]) -> None:
    """An uploaded file that could not be ingested is deleted: the report names it, and nothing
    would ever list (or let anyone remove) a file the store does not hold."""
    directory = uploads_dir(current_app.config)
    with session_scope() as db:
        for source in sources:
            if is_upload(source, directory):
                Path(source).unlink(missing_ok=True)
                upload = db.scalar(select(Upload).where(Upload.stored_path == source))
                if upload is not None:
                    db.delete(upload)


def _names() -> dict[str, str]:
    with session_scope() as db:
        return original_names(db)
