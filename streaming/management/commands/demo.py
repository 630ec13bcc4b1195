"""`manage.py demo`: everything a newcomer needs, then the server.

Creates the demo admin account, loads the demo catalog and serves on
http://127.0.0.1:8000 with the in-process worker. Only with DEBUG on."""
from __future__ import annotations

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.demo_data import demo_catalog_load

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Set up the demo (admin account, catalog) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("DEMO_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-serve", action="store_true", help="Set up, then exit.")

    def handle(self, *args, addr: str, no_serve: bool, **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates a known admin password: run it with DJANGO_DEBUG=1 only.")
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "streaming-demo")
        User = get_user_model()
        admin, _ = User.objects.get_or_create(username=DEMO_ADMIN, defaults={"email": "admin@example.com"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        created = demo_catalog_load()
        self.stdout.write(f"Demo catalog: {created} titles added.")
        banner = [
            "",
            f"  Browse:  http://{addr}/",
            f"  Admin:   http://{addr}/admin/   user {DEMO_ADMIN!r}  password {password!r}",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(banner)))
        if no_serve:
            return
        call_command("runserver", addr, use_reloader=False)
