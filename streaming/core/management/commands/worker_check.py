"""`manage.py worker_check`: is a worker consuming from the broker?"""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from streaming.core.errors import ApplicationError
from streaming.core.health import worker_ping_send, worker_ping_wait


class Command(BaseCommand):
    help = "Send a ping through the broker and wait for a worker to answer it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout: float, **options):
        started = time.monotonic()
        ping = worker_ping_send()
        try:
            ping = worker_ping_wait(ping=ping, timeout=timeout)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        ms = (time.monotonic() - started) * 1000
        self.stdout.write(f"worker {ping.worker_host}:{ping.worker_pid} answered in {ms:.0f} ms")
