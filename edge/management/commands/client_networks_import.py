"""python manage.py client_networks_import FILE [--replace] [--skip-invalid]

Loads a CSV of client prefixes (like the prefixes ISPs announce over BGP) ->
zone or country into the ClientNetwork table, streaming, in one transaction;
bad rows are listed by line number and nothing changes (unless
--skip-invalid). Every web process reloads its prefix table afterwards."""
from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from edge.services import ClientNetworksImportError, ImportResult, client_networks_import


class Command(BaseCommand):
    help = "Import client networks (CSV: prefix,zone,country[,note]; a header row is optional; '-' reads stdin)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file, or - for standard input.")
        parser.add_argument("--replace", action="store_true",
                            help="Empty the table first: the file is the whole feed.")
        parser.add_argument("--skip-invalid", action="store_true",
                            help="Import the good rows even if some are bad (the bad ones are listed).")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--progress-every", type=int, default=100_000, help="Rows between progress lines.")

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(result: ImportResult) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {result.rows:>10,} rows read, {result.error_count} bad, "
                              f"{result.rows / max(elapsed, 1e-6):,.0f} rows/s")
            self.stdout.flush()

        try:
            source = sys.stdin if options["file"] == "-" else open(options["file"], newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        try:
            with source:
                result = client_networks_import(
                    source=source, replace=options["replace"], skip_invalid=options["skip_invalid"],
                    batch_size=options["batch_size"], progress=progress, progress_every=options["progress_every"],
                )
        except ClientNetworksImportError as exc:
            for problem in exc.result.errors:
                self.stderr.write(f"{options['file']}: {problem}")
            raise CommandError(str(exc)) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{options['file']} is not UTF-8 text ({exc.reason}).") from exc
        for problem in result.errors:
            self.stderr.write(f"{options['file']}: {problem} (skipped)")
        elapsed = time.monotonic() - started
        removed = f", {result.removed:,} old rows removed" if options["replace"] else ""
        skipped = f", {result.error_count} bad rows skipped" if result.error_count else ""
        self.stdout.write(self.style.SUCCESS(
            f"Imported {result.imported:,} client networks from {result.rows:,} rows in {elapsed:.1f} s"
            f"{removed}{skipped}."))
