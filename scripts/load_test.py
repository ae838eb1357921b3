"""Load test for a running plandraft server on this machine: concurrent clients asking for
extractive drafts (POST /api/drafts), searches (GET /api/search?q=...) and, with --save-share,
saving edited versions of the drafts they made (POST /api/drafts/<id>/versions).

    .venv/bin/python scripts/load_test.py http://127.0.0.1:5000 --token "$TOKEN"
    .venv/bin/python scripts/load_test.py http://127.0.0.1:5000 --clients 20 --seconds 60 --json

The token is a staff user's API token (``plandraft users add NAME --role staff`` with the
password on stdin, then ``plandraft users token NAME``), given with --token or in
PLANDRAFT_TOKEN.  Only a server on loopback (127.0.0.1, localhost, ::1) is accepted, the run is
bounded (at most 100 clients and 600 seconds) and stops by itself.  Every draft request saves
a draft for that user, so use a user kept for load tests.

Reports, per endpoint and overall: requests, errors (by HTTP status or exception), throughput
and latency percentiles (p50, p95, max) of the requests that finished.  Exit status 1 when any
request failed.  A save is made on the version the client last saw; a 409 (someone saved since)
is counted as a conflict, not an error.  --record FILE writes every acknowledged version
(draft id, number) as JSON, so the database can be counted against it afterwards
(scripts/load_prod.py does).  Standard library only.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CLIENTS = 100
MAX_SECONDS = 600

# What staff ask for: the bodies and levels of DOMAIN.md, the sections of a plan.
DRAFTS = [
    {"level": "乡镇", "year": 2026, "org_name": "青禾镇政协工作组", "parent_body": "某某县政协", "topics": ["乡村振兴"]},
    {"level": "街道", "year": 2026, "org_name": "香山街道政协工委", "topics": ["民生实事", "基层治理"]},
    {"level": "县区", "year": 2026, "org_name": "某某区政协", "sections": ["指导思想", "政治协商", "民主监督", "参政议政"]},
    {"level": "市", "year": 2027, "org_name": "某某市政协", "target_chars": 3000},
]
QUERIES = [
    "加强委员学习培训", "民主监督 民主评议", "双月协商座谈会", "提案督办", "社情民意信息报送",
    "委员联系群众", "乡村振兴 调研视察", "招商引资 重点项目", "制度化规范化程序化", "政协宣传报道",
    "团结和民主两大主题", "四个一活动",
]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    conflicts: int = 0
    acknowledged: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(seconds)
            else:
                self.errors[error] += 1


def check_loopback(base_url: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SystemExit(f"load_test: {base_url!r} is not an http(s) URL")
    if parts.hostname not in LOOPBACK:
        raise SystemExit(f"load_test: refusing {parts.hostname!r}: only a server on loopback ({', '.join(sorted(LOOPBACK))}) may be loaded")
    return base_url.rstrip("/")


def request(base: str, token: str, endpoint: str, rng: random.Random, timeout: float, draft: dict | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if endpoint == "saves":
        # One section edited, on the version this client last saw.
        texts: list[dict | None] = [None] * len(draft["sections"])
        i = rng.randrange(len(texts))
        texts[i] = {"text": draft["sections"][i]["text"] + f"\n{rng.choice(QUERIES)}，第{draft['version']['number'] + 1}稿。"}
        body = json.dumps({"base_version": draft["version"]["number"], "sections": texts}, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(f"{base}/api/drafts/{draft['id']}/versions", data=body, method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    elif endpoint == "drafts":
        body = json.dumps({**rng.choice(DRAFTS), "llm": False}, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(f"{base}/api/drafts", data=body, method="POST",
                                     headers={**headers, "Content-Type": "application/json"})
    else:
        query = urllib.parse.urlencode({"q": rng.choice(QUERIES), "k": 10})
        req = urllib.request.Request(f"{base}/api/search?{query}", headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310 - loopback only, checked
        return response.status, response.read()


def client(base: str, token: str, stop_at: float, draft_share: float, timeout: float, seed: int, stats: dict[str, Stats],
           save_share: float = 0.0) -> None:
    rng = random.Random(seed)
    mine: list[dict] = []  # the latest version this client saw of each draft it made
    while time.monotonic() < stop_at:
        roll = rng.random()
        endpoint = "drafts" if roll < draft_share or (roll < draft_share + save_share and not mine) else "saves" if roll < draft_share + save_share else "search"
        draft = rng.choice(mine) if endpoint == "saves" else None
        t0 = time.monotonic()
        error = None
        try:
            status, body = request(base, token, endpoint, rng, timeout, draft)
            if endpoint == "drafts" and not json.loads(body).get("id"):
                error = "draft without id"
            elif endpoint == "drafts" and save_share:
                mine.append(json.loads(body))
            elif endpoint == "saves":
                saved = json.loads(body)
                mine[mine.index(draft)] = saved
                if status == 201:
                    with stats[endpoint].lock:
                        stats[endpoint].acknowledged.append((saved["id"], saved["version"]["number"]))
        except urllib.error.HTTPError as exc:
            if endpoint == "saves" and exc.code == 409:  # the designed answer to a stale base: take the latest
                mine[mine.index(draft)] = json.loads(exc.read())["latest"]
                with stats[endpoint].lock:
                    stats[endpoint].conflicts += 1
                continue
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = type(reason).__name__ if not isinstance(reason, str) else reason
        except ValueError:
            error = "bad JSON"
        stats[endpoint].add(time.monotonic() - t0, error)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(stats: dict[str, Stats], seconds: float) -> dict:
    out = {}
    everything = Stats()
    for name, s in stats.items():
        everything.latencies += s.latencies
        everything.errors.update(s.errors)
        everything.conflicts += s.conflicts
    for name, s in {**stats, "all": everything}.items():
        done = len(s.latencies)
        failed = sum(s.errors.values())
        out[name] = {
            "requests": done + failed,
            "ok": done,
            "errors": dict(s.errors),
            "conflicts_409": s.conflicts,
            "throughput_per_s": round(done / seconds, 2),
            "p50_ms": round(percentile(s.latencies, 50) * 1000) if done else None,
            "p95_ms": round(percentile(s.latencies, 95) * 1000) if done else None,
            "max_ms": round(max(s.latencies) * 1000) if done else None,
            "mean_ms": round(statistics.fmean(s.latencies) * 1000) if done else None,
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url", help="the server, e.g. http://127.0.0.1:5000 (loopback only)")
    parser.add_argument("--token", default=os.environ.get("PLANDRAFT_TOKEN"), help="a staff API token (default: $PLANDRAFT_TOKEN)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20, at most 100)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to run (default 60, at most 600)")
    parser.add_argument("--draft-share", type=float, default=0.3, help="share of requests that ask for a draft (default 0.3)")
    parser.add_argument("--save-share", type=float, default=0.0, help="share of requests that save an edited version of a draft the client made (default 0)")
    parser.add_argument("--record", help="write the acknowledged versions ([draft id, number], …) to this JSON file")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one request may take (default 120)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--wait", type=float, default=0, help="seconds to wait for the server to start answering (default 0)")
    args = parser.parse_args(argv)

    base = check_loopback(args.base_url)
    if not args.token:
        parser.error("an API token is needed: --token or PLANDRAFT_TOKEN")
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be more than 0 and at most {MAX_SECONDS}")
    if not 0 <= args.draft_share <= 1 or not 0 <= args.save_share <= 1 - args.draft_share:
        parser.error("--draft-share and --save-share must be between 0 and 1, and add up to at most 1")
    deadline = time.monotonic() + min(args.wait, 300)
    while True:  # a server just started (make load) needs a moment to load its app
        try:
            urllib.request.urlopen(base + "/api/health", timeout=5).close()
            break
        except OSError:
            if time.monotonic() >= deadline:
                break
            time.sleep(1)
    try:
        request(base, args.token, "search", random.Random(0), args.timeout)  # fail fast on a bad token or no server
    except Exception as exc:  # noqa: BLE001
        raise SystemExit(f"load_test: {base} does not answer a search with this token: {exc}")

    stats = {"drafts": Stats(), "search": Stats(), **({"saves": Stats()} if args.save_share else {})}
    started = time.monotonic()
    stop_at = started + args.seconds
    threads = [
        threading.Thread(target=client, args=(base, args.token, stop_at, args.draft_share, args.timeout, args.seed + n, stats, args.save_share), daemon=True)
        for n in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        # A request started just before the end may run its full timeout; never wait longer.
        t.join(max(0.0, stop_at + args.timeout - time.monotonic()))
    elapsed = time.monotonic() - started
    result = {"base_url": base, "clients": args.clients, "seconds": round(elapsed, 1), "draft_share": args.draft_share,
              "save_share": args.save_share, "endpoints": summary(stats, elapsed)}
    if args.record:
        with open(args.record, "w", encoding="utf-8") as f:
            json.dump(stats["saves"].acknowledged if "saves" in stats else [], f)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(f"{base}: {args.clients} clients for {elapsed:.0f} s (drafts {args.draft_share:.0%} of requests)")
        print(f"{'endpoint':<8} {'requests':>8} {'ok':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  errors")
        for name, row in result["endpoints"].items():
            errors = ", ".join(f"{k}: {v}" for k, v in row["errors"].items()) or "-"
            errors += f" (409 conflicts: {row['conflicts_409']})" if row["conflicts_409"] else ""
            print(f"{name:<8} {row['requests']:>8} {row['ok']:>6} {row['throughput_per_s']:>7} "
                  f"{row['p50_ms'] if row['p50_ms'] is not None else '-':>8} {row['p95_ms'] if row['p95_ms'] is not None else '-':>8} "
                  f"{row['max_ms'] if row['max_ms'] is not None else '-':>8}  {errors}")
    return 1 if result["endpoints"]["all"]["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
