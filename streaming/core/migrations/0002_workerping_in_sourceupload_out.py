"""Owners move, rows stay: WorkerPing joins the foundation (its table is
renamed, not recreated) and SourceUpload leaves for the catalog (catalog's
migration 0002 takes over its table)."""
import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("streaming_api", "0001_initial"),
        ("streaming", "0004_workerping_to_core"),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="WorkerPing",
                fields=[
                    ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ("sent_at", models.DateTimeField(auto_now_add=True)),
                    ("answered_at", models.DateTimeField(blank=True, null=True)),
                    ("worker_host", models.CharField(blank=True, max_length=255)),
                    ("worker_pid", models.PositiveIntegerField(blank=True, null=True)),
                ],
                options={"ordering": ["-sent_at"], "db_table": "streaming_workerping"},
            ),
            migrations.DeleteModel(name="SourceUpload"),
        ]),
        migrations.AlterModelTable(name="workerping", table=None),
    ]
