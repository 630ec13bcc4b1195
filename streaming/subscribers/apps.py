from django.apps import AppConfig


class SubscribersConfig(AppConfig):
    """The subscriber side: accounts, plans, profiles, playback, pages and
    the player. The label is the one its tables were created under
    (``streaming``), so existing databases keep their migration history."""

    name = "streaming.subscribers"
    label = "streaming"
    verbose_name = "Subscribers"
    default_auto_field = "django.db.models.BigAutoField"
