from django.db import migrations

from streaming.subscribers.plans import plans_ensure


def seed(apps, schema_editor):
    plans_ensure(apps.get_model("streaming", "Plan"))


class Migration(migrations.Migration):
    dependencies = [("streaming", "0002_plan_profile_playbacksession_mylistitem_qoereport_and_more")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
