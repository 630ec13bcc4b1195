"""SourceUpload joins the catalog, which owns uploads: the table created by
streaming_api 0001 is taken over (state only) and renamed; no row moves."""
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("streaming_api", "0002_workerping_in_sourceupload_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="SourceUpload",
                fields=[
                    ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ("video_public_id", models.UUIDField(default=uuid.uuid4, help_text="The Video it becomes.",
                                                         unique=True)),
                    ("mode", models.CharField(choices=[("s3_multipart", "S3 presigned multipart"),
                                                       ("chunked", "Resumable chunks")], max_length=14)),
                    ("status", models.CharField(choices=[("open", "Receiving"), ("complete", "Complete"),
                                                         ("aborted", "Aborted")], default="open", max_length=10)),
                    ("filename", models.CharField(max_length=255)),
                    ("size", models.BigIntegerField()),
                    ("part_size", models.BigIntegerField(default=0)),
                    ("key", models.CharField(help_text="Storage name: sources/<video public id>/<file>.",
                                             max_length=500)),
                    ("s3_upload_id", models.CharField(blank=True, max_length=300)),
                    ("created_at", models.DateTimeField(auto_now_add=True)),
                    ("completed_at", models.DateTimeField(blank=True, null=True)),
                    ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                     to=settings.AUTH_USER_MODEL)),
                    ("episode", models.ForeignKey(blank=True, null=True,
                                                  on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                  to="catalog.episode")),
                    ("title", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                to="catalog.title")),
                    ("video", models.ForeignKey(blank=True, null=True,
                                                on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                                to="catalog.video")),
                ],
                options={"ordering": ["-created_at"], "db_table": "streaming_api_sourceupload"},
            ),
        ]),
        migrations.AlterModelTable(name="sourceupload", table=None),
    ]
