"""`manage.py uploads_expire [--older-than SECONDS]`: abandon source uploads
that received nothing for API_UPLOAD_EXPIRY_SECONDS (workers also do it at
start and hourly); for cron on a web server without workers."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.services import source_uploads_expire


class Command(BaseCommand):
    help = "Remove the temporary files of abandoned source uploads."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=None,
                            help="Seconds without a byte received (default API_UPLOAD_EXPIRY_SECONDS).")

    def handle(self, *args, older_than: float | None, **options):
        expired = source_uploads_expire(older_than=older_than)
        self.stdout.write(f"{len(expired)} abandoned upload(s) expired.")
