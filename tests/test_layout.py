"""The layout stays as docs/architecture.md draws it: small modules, one text kit, imports
that point down the layers, and a store that persists what ingest computed.

Every check reads the source as text or as a syntax tree; nothing is imported or run.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("plandraft", "ingest", "vectorstore", "proofread", "drafting", "service", "prompts")
MAX_LINES = 400
TEXTKIT = ROOT / "ingest" / "textkit.py"

# Lower layers first; a module may import its own layer and those before it.
LAYERS = (
    ("prompts", "plandraft.settings"),
    ("ingest",),
    ("vectorstore",),
    ("proofread",),
    ("drafting",),
    ("plandraft.resources",),
    ("service",),
    ("plandraft.cli",),
)


def project_files(*, tests: bool = True) -> list[Path]:
    roots = [*PACKAGES, "scripts"] + (["tests"] if tests else [])
    return sorted(p for r in roots for p in (ROOT / r).rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    best = None
    for rank, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (rank, name)
    return best[0] if best else None


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import, at module level or inside a function."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_the_scan_sees_the_project():
    names = {module_name(p) for p in project_files()}
    assert {"vectorstore.store", "ingest.textkit", "service.resources", "tests.test_layout"} <= names


@pytest.mark.parametrize("path", project_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by responsibility"


# A lookbehind split after the four stops, in any order of the marks.
_SENTENCE_SPLIT = re.compile(r"\(\?<=\[[。！？；]{4}\]\)")
# The numeral class every numbering pattern is built from.
_NUMERAL_CLASS = "一二三四五六七八九十"


def test_the_sentence_split_is_written_only_in_textkit():
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in project_files()
        if p != TEXTKIT
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if _SENTENCE_SPLIT.search(line)
    ]
    assert found == [], "use ingest.textkit.SENTENCE_END / SENTENCE_OR_LINE_END"


def test_numbering_patterns_are_built_only_in_textkit():
    # Tests may spell numerals out (an independent reader, sample items); project code may not.
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in project_files(tests=False)
        if p != TEXTKIT
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if _NUMERAL_CLASS in line
    ]
    assert found == [], "build numbering patterns from ingest.textkit (CN_DIGITS, PAREN_NUMBER, …)"
    assert TEXTKIT.read_text(encoding="utf-8").count(f'"{_NUMERAL_CLASS}"') == 1


def test_service_modules_import_their_siblings_not_the_package():
    """``from service import get_store`` in a blueprint only works because of import order."""
    submodules = {p.stem for p in (ROOT / "service").glob("*.py")} | {
        p.name for p in (ROOT / "service").iterdir() if (p / "__init__.py").exists()
    }
    wrong = []
    for path in (ROOT / "service").rglob("*.py"):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "service" and node.level == 0:
                wrong += [f"{path.name}:{node.lineno} {a.name}" for a in node.names if a.name not in submodules]
    assert wrong == [], "import app resources from service.resources"


def test_imports_point_down_the_layers():
    upward = []
    for path in project_files(tests=False):
        me = layer_of(module_name(path))
        if me is None:  # scripts sit beside the project and may use any of it
            continue
        for line, target in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            theirs = layer_of(target)
            if theirs is not None and theirs > me:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def test_the_store_persists_what_ingest_derived():
    """Tokens and sentence ids come from ingest.indexing; the store's modules never derive them."""
    for name in ("store", "catalog", "vectors", "schema"):
        source = (ROOT / "vectorstore" / f"{name}.py").read_text(encoding="utf-8")
        for derive in ("tokenize(", "sentence_units(", "index_chunks("):
            assert derive not in source, f"vectorstore/{name}.py calls {derive}"


def test_a_sources_rows_are_deleted_in_one_place():
    hits = [
        f"{p.relative_to(ROOT)}"
        for p in (ROOT / "vectorstore").glob("*.py")
        for _ in re.finditer(r"DELETE FROM chunks WHERE source", p.read_text(encoding="utf-8"))
    ]
    assert hits == ["vectorstore/catalog.py"]


def test_every_loader_module_is_in_the_suffix_table():
    from ingest.loaders import LOADERS

    registered = {load.__module__.rsplit(".", 1)[-1] for _, load in LOADERS.values()}
    modules = {p.stem for p in (ROOT / "ingest" / "loaders").glob("*_loader.py")}
    assert registered == modules
