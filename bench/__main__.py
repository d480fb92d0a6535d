"""`python -m bench --db PATH`: the benchmark table, on stdout and in bench/results.md."""

import argparse
import datetime as dt
import os
import platform
import sys

from bench import http_load
from bench import inproc

HERE = os.path.dirname(os.path.abspath(__file__))


def _verdict(ok):
    return "ok" if ok else "MISSED"


def in_process_table(rows):
    """Markdown lines for the in-process measurements, with each target's verdict."""
    lines = [
        "| endpoint | p50 ms | p95 ms | queries | sqlite3 floor p50 ms | ratio | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    first_page = next(r for r in rows if r[5] == "list")[1]
    verdicts = []
    for name, p50, p95, queries, floor, kind in rows:
        ratio = p50 / floor if floor else None
        target, ok = "≤ 6 queries", queries <= 6
        if kind == "list":
            target, ok = "≤ 3× floor, ≤ 6 queries", ok and ratio <= 3
        elif kind == "deep":
            target = "≤ 3× floor, ≤ 1.5× first page, ≤ 6 queries"
            ok = ok and ratio <= 3 and p50 <= 1.5 * first_page
        elif kind == "pipeline":
            target, ok = "≤ 10× floor, ≤ 6 queries", ok and ratio <= 10
        verdicts.append(ok)
        shown = f"{ratio:.2f}×" if ratio else "—"
        floor_text = f"{floor:.2f}" if floor else "—"
        lines.append(
            f"| {name} | {p50:.2f} | {p95:.2f} | {queries} | {floor_text} | {shown} "
            f"| {target} | {_verdict(ok)} |"
        )
    return lines, all(verdicts)


def http_table(result):
    """Markdown lines for the load over waitress."""
    ratio = result["deals_rate"] / result["bare_rate"] if result["bare_rate"] else 0
    lines = [
        f"Mixed load, {result['clients']} keep-alive clients for {result['seconds']} s "
        "(80 % reads, 20 % writes):",
        "",
        "| operation | requests/s | 2xx | 4xx | 5xx |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, rate in sorted(result["mixed_rates"].items()):
        by = result["mixed_totals"][name]
        lines.append(f"| {name} | {rate:.1f} | {by.get(2, 0)} | {by.get(4, 0)} | {by.get(5, 0)} |")
    ok_errors = result["fivexx"] == 0 and result["locked"] == 0
    ok_ratio = ratio >= 0.35
    lines += [
        "",
        "| measure | value | target | met |",
        "| --- | ---: | --- | --- |",
        f"| 5xx responses | {result['fivexx']} | 0 | {_verdict(result['fivexx'] == 0)} |",
        f'| "database is locked" | {result["locked"]} | 0 | {_verdict(result["locked"] == 0)} |',
        f"| `GET /deals?limit=25` alone, requests/s | {result['deals_rate']:.1f} | | |",
        f"| bare Falcon JSON endpoint, requests/s | {result['bare_rate']:.1f} | | |",
        f"| throughput ratio | {ratio:.0%} | ≥ 35 % | {_verdict(ok_ratio)} |",
    ]
    return lines, ok_errors and ok_ratio


def main(argv=None):
    """Run the benchmark and write the table."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--db", required=True, help="a database made by seed.py --scale N")
    parser.add_argument("--iterations", type=int, default=40, help="samples per endpoint")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--seconds", type=int, default=60, help="length of the mixed load")
    parser.add_argument("--throughput-seconds", type=int, default=20, help="each throughput run")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--skip-http", action="store_true", help="in-process measurements only")
    parser.add_argument("--out", default=os.path.join(HERE, "results.md"))
    args = parser.parse_args(argv)
    if not os.path.exists(args.db):
        print(
            f"error: {args.db} does not exist; make it with python seed.py --scale N",
            file=sys.stderr,
        )
        return 2
    bench = inproc.Bench(args.db, args.iterations)
    lines = [
        f"# Benchmark — {dt.date.today().isoformat()}",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.machine()}; "
        f"database `{os.path.basename(args.db)}`; viewer rep1 (a member with a team).",
        "",
        "In-process through the WSGI app (no server), "
        f"{args.iterations} samples each, beside the same rows fetched with plain `sqlite3`:",
        "",
    ]
    table, ok_inproc = in_process_table(bench.rows())
    lines += table
    ok_http = True
    if not args.skip_http:
        lines += [
            "",
            f"Over HTTP: waitress, {args.threads} threads, the settings of `upstream.WAITRESS`.",
            "",
        ]
        result = http_load.run(
            args.db, args.clients, args.seconds, args.throughput_seconds, args.threads
        )
        table, ok_http = http_table(result)
        lines += table
    lines += ["", f"All targets met: {'yes' if ok_inproc and ok_http else 'no'}"]
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
