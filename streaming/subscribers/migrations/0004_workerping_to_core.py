"""WorkerPing (the broker health check) belongs to the foundation now: its
row definition leaves this app's state; the table itself is kept and
renamed by streaming_api's migration 0002."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("streaming", "0003_seed_plans")]
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="WorkerPing")]),
    ]
