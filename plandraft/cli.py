"""The ``plandraft`` command: ingest, list, remove, draft, check, serve."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from drafting.model import DRAFT_LEVELS
from plandraft import settings as settings_mod


class Context:
    """Settings and lazily opened collaborators shared by the commands of one invocation."""

    def __init__(self) -> None:
        try:
            self.settings = settings_mod.load()
        except settings_mod.SettingError as exc:
            raise click.ClickException(str(exc)) from exc
        self._store = None

    @property
    def store(self):
        if self._store is None:
            from plandraft.resources import open_store

            try:
                self._store = open_store(self.settings)
            except Exception as exc:  # the store's own errors say what to fix
                raise click.ClickException(f"cannot open the store: {exc}") from exc
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


pass_context = click.make_pass_decorator(Context, ensure=True)


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """plandraft: drafting 政协工作计划 from past plans."""
    ctx.obj = Context()
    ctx.call_on_close(ctx.obj.close)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def ingest(context: Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """Ingest files (txt, md, html, docx, pdf) or folders of them."""
    from tqdm import tqdm

    from ingest.pipeline import expand_paths, ingest_paths
    from plandraft.resources import token_limit_of

    files = expand_paths(paths)
    # tqdm switches itself off when stderr is not a terminal (CI logs, pipes).
    with tqdm(total=len(files), unit="file", file=sys.stderr, disable=None, desc="ingest") as bar:
        report = ingest_paths(
            files,
            context.store,
            max_bytes=int(context.settings["MAX_FILE_MB"]) * 1024 * 1024,
            max_chunk_chars=int(context.settings["CHUNK_MAX_CHARS"]),
            token_limit=token_limit_of(context.store.embedder),
            on_file=lambda _path: bar.update(1),
        )
    data = report.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        s = data["summary"]
        fam = s["families"] or {}
        click.echo(
            f"documents: {s['documents']}  chunks: {s['chunks']}  "
            f"families: {fam.get('chunk_families', 0)} chunk / {fam.get('document_families', 0)} document  "
            f"off-topic: {s['off_topic']}  unchanged files: {s['unchanged_files']}  errors: {s['errors']}"
        )
        for err in data["errors"]:
            # A file name may hold a line break: escaped, it cannot forge a line of the report.
            click.echo(f"error: {_printable(err['source'])}: {_printable(err['error'])}", err=True)
    if data["errors"]:
        sys.exit(1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@pass_context
def documents(context: Context, as_json: bool) -> None:
    """List the stored documents with their metadata."""
    from drafting.own import key_of

    docs = context.store.documents()
    bodies = context.store.bodies()
    rows = [{**d.metadata(), "body": key_of(d, bodies)} for d in docs]  # whose plan (ingest.bodies)
    if as_json:
        click.echo(json.dumps({"documents": rows}, ensure_ascii=False, indent=1))
        return
    for r in rows:
        mark = "" if r["on_topic"] else "  [off-topic]"
        body = f"  [{r['body']}]" if r["body"] else ""
        click.echo(f"{r['id']}  {r['level']:<5} {r['kind']:<4} {r['year'] or '-':<5} {r['title']}{body}  ({Path(r['source']).name}){mark}")
    click.echo(f"{len(rows)} documents")


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))


@main.command()
@pass_context
def vacuum(context: Context) -> None:
    """Delete vectors no catalogued chunk uses (left by an ingest killed mid-way)."""
    from ingest.pipeline import ingest_lock

    with ingest_lock(context.store.data_dir):  # never while an ingest is writing
        removed = context.store.vacuum()
    click.echo(f"removed {removed} unused vectors")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@pass_context
def remove(context: Context, source: Path) -> None:
    """Remove every document that came from SOURCE."""
    from ingest.pipeline import source_key

    removed = context.store.remove_source(source_key(source))
    if removed == 0:
        removed = context.store.remove_source(str(source))
    if removed == 0:
        raise click.ClickException(f"{source}: no documents stored from this file")
    context.store.refresh_families()
    click.echo(f"removed {removed} documents from {source}")


@main.group()
def users() -> None:
    """Web accounts: add users with a role, issue API tokens."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["staff", "editor", "admin"]), help="staff draft; editors also compare; admins everything.")
@pass_context
def users_add(context: Context, name: str, role: str) -> None:
    """Add user NAME; the password is read from stdin (prompted for, unechoed, on a terminal)."""
    from service.accounts import AccountError, create_user
    from service.db import open_session

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        with open_session(context.settings) as db:
            create_user(db, name, role, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {name} ({role})")


@users.command("token")
@click.argument("name")
@pass_context
def users_token(context: Context, name: str) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer ...`); only its hash is kept."""
    from service.accounts import find_user, new_token
    from service.db import open_session

    with open_session(context.settings) as db:
        user = find_user(db, name)
        if user is None:
            raise click.ClickException(f"no user {name!r} (add one with `plandraft users add`)")
        token = new_token(db, user)
    click.echo(token)


@users.command("list")
@pass_context
def users_list(context: Context) -> None:
    """List users and their roles."""
    from sqlalchemy import select

    from service.db import User, open_session

    with open_session(context.settings) as db:
        for user in db.scalars(select(User).order_by(User.name)):
            click.echo(f"{user.name}\t{user.role}")


@main.command()
@click.option("--level", required=True, type=click.Choice(DRAFT_LEVELS), help="Level of the requesting body.")
@click.option("--year", required=True, type=int, help="Year the plan is for.")
@click.option("--org", "org_name", required=True, help="The requesting body, e.g. 香山街道政协工委.")
@click.option("--parent", "parent_body", default=None, help="The 政协 above it, e.g. 吴中区政协.")
@click.option("--topics", default="", help="Focus topics, separated by 、 or commas.")
@click.option("--sections", default="", help="Section roles to draft (default: the level's outline), separated by commas.")
@click.option("--llm", is_flag=True, help="Polish each section with the LLM (PLANDRAFT_LLM_BASE_URL).")
@click.option("--base-plan", "base_plan", default=None,
              help="Our own past plan to carry forward (a document id; default: our latest, if stored; 'none': afresh).")
@click.option("--schedule", is_flag=True, help="End the draft with a month-by-month 活动安排表 drawn from past plans.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft with its sources and warnings as JSON.")
@pass_context
def draft(context: Context, level, year, org_name, parent_body, topics, sections, llm, base_plan, schedule, as_json) -> None:
    """Draft a plan for one body, level and year, section by section (validated as the web form and the API are)."""
    from drafting.model import CARRY_LABELS, DraftRequest, DraftRequestError
    from plandraft.resources import make_drafter

    try:
        request = DraftRequest.from_dict(
            {
                "level": level,
                "year": year,
                "org_name": org_name,
                "parent_body": parent_body,
                "topics": topics,
                "sections": [s.strip() for s in sections.replace("，", ",").split(",") if s.strip()] or None,
                "llm": llm,
                "base_plan": base_plan,
                "schedule": schedule,
            }
        )
    except DraftRequestError as exc:
        raise click.ClickException(str(exc)) from exc
    drafter = make_drafter(context.settings, context.store)
    try:
        drafter.plan(request)  # a base plan that is not stored is refused before anything prints
    except DraftRequestError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(drafter.draft(request).to_dict(), ensure_ascii=False, indent=1))
        return
    click.echo(drafter.title(request))
    warnings = []
    for section in drafter.stream(request):  # printed as each section is ready
        click.echo(f"\n{section.title}\n{section.text}")
        if section.base is not None or any(s.label for s in section.sentences):
            labels = [s.label for s in section.sentences]
            click.echo("（" + "，".join(f"{k}{labels.count(k)}句" for k in CARRY_LABELS if labels.count(k)) + "）")
        warnings.extend(section.warnings)
    rows = drafter.schedule(request)
    if rows:
        from drafting.schedule import schedule_title

        click.echo(f"\n{schedule_title(request.year)}")
        for row in rows:
            click.echo("　".join(x for x in (f"{row.month}月" if row.month else "待定", row.title, row.form, row.owner) if x))
    if warnings:
        click.echo("\n请编辑核对：", err=True)
        for w in warnings:
            click.echo(f"- [{w.kind}] {w.message}", err=True)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--year", type=int, default=None, help="Year the plan is for (finds references of another year).")
@click.option("--level", type=click.Choice(DRAFT_LEVELS), default=None, help="Level of the body (finds another level's words).")
@click.option("--org", "org_name", default=None, help="The body whose plan it is (finds other places' names).")
@click.option("--json", "as_json", is_flag=True, help='Print {"findings": [...]} as JSON.')
@click.pass_context
def check(ctx: click.Context, path: Path, year, level, org_name, as_json) -> None:
    """校对 a .txt, .md or .docx file: one finding a line (位置 类型 原文 建议 说明).

    Exit status: 0 nothing found, 1 findings, 2 a file that cannot be read."""
    from proofread import CheckContext, CheckError, check_file
    from proofread.text import KIND_NAMES, read_text_file

    try:
        findings = check_file(path, CheckContext(year=year, level=level, org_name=org_name))
    except CheckError as exc:
        click.echo(f"错误：{exc}", err=True)
        ctx.exit(2)
    if as_json:
        click.echo(json.dumps({"findings": [f.to_dict() for f in findings]}, ensure_ascii=False, indent=1))
    else:
        text = read_text_file(path) if path.suffix.lower() != ".docx" else ""
        for f in findings:
            where = f"第{f.paragraph + 1}段第{f.start + 1}字" if f.paragraph is not None else _line_column(text, f.start)
            click.echo("\t".join((where, KIND_NAMES.get(f.kind, f.kind), _printable(f.text), _printable(f.fix) if f.fix is not None else "—", f.message)))
        click.echo(f"{path}: {len(findings)}处" if findings else f"{path}: 未发现问题", err=True)
    ctx.exit(1 if findings else 0)


def _line_column(text: str, offset: int) -> str:
    """第L行第C字 of a character offset into ``text``."""
    before = text[:offset]
    return f"第{before.count(chr(10)) + 1}行第{offset - (before.rfind(chr(10)) + 1) + 1}字"


@main.command("eval")
@click.option("--queries", type=click.Path(exists=True, path_type=Path), multiple=True,
              help="Labelled query files (default: tests/data/eval_queries.json and the held-out set).")
@click.option("--no-baseline", is_flag=True, help="Skip the naive LangChain baseline (it embeds the raw files again).")
@pass_context
def evaluate_command(context: Context, queries: tuple[Path, ...], no_baseline: bool) -> None:
    """Retrieval quality: hit@1, hit@5 and MRR for dense, BM25, hybrid and a naive baseline, in one run."""
    from vectorstore.evaluate import evaluate, load_queries, table
    from vectorstore.search import Searcher

    root = Path(__file__).resolve().parent.parent
    files = list(queries) or [root / "tests" / "data" / "eval_queries.json", root / "tests" / "data" / "eval_queries_heldout.json"]
    samples = None if no_baseline else sorted((root / "data" / "samples").glob("*.txt"))
    searcher = Searcher(context.store)
    if not context.store.chunks():
        raise click.ClickException("the store is empty: run `plandraft ingest data/samples` first")
    for path in files:
        qs = load_queries(path)
        by_kind = {}
        results = evaluate(searcher, qs, samples)
        for kind in sorted({q["kind"] for q in qs}):
            sub = [q for q in qs if q["kind"] == kind]
            by_kind[kind] = evaluate(searcher, sub, None)
        click.echo(f"\n## {path.name} ({len(qs)} queries)\n")
        click.echo(table(results, {k: {m: s for m, s in v.items()} for k, v in by_kind.items()}))


@main.command("eval-drafts")
@click.option("--requests", "requests_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="Requests to draft (default: data/eval/draft_requests.json).")
@click.option("--review", "review_file", type=click.Path(exists=True, path_type=Path), default=None,
              help="A person's reading to score the rules against (default: tests/data/draft_review.json).")
@click.option("--items", "show_items", is_flag=True, help="Print every item with the faults found.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON.")
@pass_context
def eval_drafts(context: Context, requests_file, review_file, show_items, as_json) -> None:
    """Draft a set of requests and report each item's faults, as a reader would find them."""
    from drafting import evaluation
    from plandraft.resources import make_drafter

    if not context.store.chunks():
        raise click.ClickException("the store is empty: run `plandraft ingest data/samples` first")
    requests = evaluation.load_requests(requests_file or evaluation.DEFAULT_REQUESTS)
    report = evaluation.evaluate_drafts(make_drafter(context.settings, context.store), context.store, requests)
    report["rules"] = evaluation.rule_scores(context.store, review_file or evaluation.DEFAULT_REVIEW)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    if show_items:
        for d in report["drafts"]:
            click.echo(f"\n## {d['request']['org_name']} {d['request']['level']} {d['request']['year']}")
            for item in d["items"]:
                faults = "; ".join(f"{k}: {v}" for k, v in item["faults"].items())
                click.echo(f"[{item['section']}] {item['text']}" + (f"\n    ✗ {faults}" if faults else ""))
    click.echo(evaluation.table(report))
    click.echo(evaluation.score_table(report["rules"]))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app (waitress, several threads)."""
    from waitress import serve as waitress_serve

    from service import create_app

    app = create_app()
    address = f"http://{host}:{port}/"
    click.echo(f"plandraft on {address}", err=True)
    for line in _first_run_lines(app.config, address):
        click.echo(line, err=True)
    waitress_serve(app, host=host, port=port, threads=threads)


def _first_run_lines(values, address: str) -> list[str]:
    """What a newcomer is told at start while no account exists: where to make the admin, and the
    setup token for a browser on another machine (this one needs none).  Nothing once one exists."""
    from service.accounts import drop_setup_token, has_accounts, setup_token
    from service.db import open_session

    with open_session(values) as db:
        exists = has_accounts(db)
    data_dir = settings_mod.data_dir(values)
    if exists:
        drop_setup_token(data_dir)
        return []
    token = setup_token(data_dir)
    return [
        f"还没有任何账号：打开 {address} 创建管理员账号",
        f"从其他电脑打开时请用 {address}setup?token={token}",
        f"设置令牌（setup token）：{token}",
    ]


if __name__ == "__main__":  # pragma: no cover
    main()
