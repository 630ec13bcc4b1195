"""Client-network steering at internet scale (not a test): a generated
BGP-like feed imported with ``manage.py client_networks_import``, the prefix
table built from the database, and lookups.

Goals (issue 15): 1,000,000 prefixes imported in under a minute, loaded in
under 10 s, lookup p99 under 50 us. Reported: import seconds (and rows/s),
table build seconds and the process's memory growth, lookup p50/p99/max of
the table alone and of ``client_network_match`` (with its version check in
the cache: local memory here, a Redis round trip in production).

A throwaway SQLite database by default; ``--database-url postgres://...``
measures on PostgreSQL (the production database; the database is emptied
of client networks first, so give it a scratch database).

    .venv/bin/python bench/prefix_bench.py                     # 1,000,000 prefixes: about 2 min
    .venv/bin/python bench/prefix_bench.py --prefixes 20000 --lookups 20000   # smoke

Playback start at 32 viewers with the table loaded is measured by the load
test: bench/load_test.py --viewers 32 --client-networks 1000000.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefixes", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=200_000)
    parser.add_argument("--database-url", help="default: a throwaway SQLite database")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="prefix-bench-"))
    os.environ["VAR_DIR"] = str(work)
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from prefix_feed import ZONES, addresses, prefixes_write

    from edge.models import Zone
    from edge.selectors.networks import client_network_match, client_networks_table, client_networks_table_build
    from edge.services import zone_create

    try:
        call_command("migrate", "--no-input", "-v", "0")
        for code in ZONES:
            if not Zone.objects.filter(code=code).exists():
                zone_create(code=code, name=code.title(), country="IN", latitude=0, longitude=0)
        feed = work / "feed.csv"
        started = time.perf_counter()
        prefixes_write(feed, args.prefixes)
        print(f"generated {args.prefixes:,} prefixes in {time.perf_counter() - started:.1f} s "
              f"({feed.stat().st_size / 1e6:.0f} MB CSV); database: {args.database_url or 'SQLite'}")

        started = time.perf_counter()
        call_command("client_networks_import", str(feed), "--replace", "--progress-every", "250000",
                     stdout=sys.stdout)
        import_s = time.perf_counter() - started

        rss_before = rss_kib()
        started = time.perf_counter()
        table = client_networks_table_build()
        build_s = time.perf_counter() - started
        grown_mib = (rss_kib() - rss_before) / 1024

        sample = addresses(args.lookups)
        timings = []
        found = 0
        clock = time.perf_counter_ns
        for address in sample:
            t0 = clock()
            match = table.match(address)
            timings.append((clock() - t0) / 1000)
            found += match is not None
        client_networks_table()  # this process's copy, built once
        match_timings = []
        for address in sample[: min(len(sample), 50_000)]:
            t0 = clock()
            client_network_match(client_ip=address)
            match_timings.append((clock() - t0) / 1000)
        results = {
            "prefixes": len(table), "import_seconds": round(import_s, 2),
            "import_rows_per_second": round(args.prefixes / import_s),
            "build_seconds": round(build_s, 2), "build_rss_growth_mib": round(grown_mib, 1),
            "lookup_us": {"p50": round(percentile(timings, 0.5), 2), "p99": round(percentile(timings, 0.99), 2),
                          "max": round(max(timings), 1)},
            "client_network_match_us": {"p50": round(percentile(match_timings, 0.5), 2),
                                        "p99": round(percentile(match_timings, 0.99), 2)},
            "lookups": len(sample), "matched_share": round(found / len(sample), 3),
        }
        rate = results["import_rows_per_second"]
        rate = results["import_rows_per_second"]
        print(f"| import ({args.prefixes:,} prefixes) | {import_s:.1f} s ({rate:,} rows/s) |")
        print(f"| table build (load) | {build_s:.2f} s, +{grown_mib:.0f} MiB RSS |")
        print(f"| lookup p50 / p99 / max | {results['lookup_us']['p50']} / {results['lookup_us']['p99']} / "
              f"{results['lookup_us']['max']} us ({found / len(sample):.0%} of {len(sample):,} addresses matched) |")
        print(f"| client_network_match p50 / p99 | {results['client_network_match_us']['p50']} / "
              f"{results['client_network_match_us']['p99']} us (with the version check) |")
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), **results}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
