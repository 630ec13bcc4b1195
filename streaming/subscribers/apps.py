from django.apps import AppConfig


class SubscribersConfig(AppConfig):
    """The subscriber side: accounts, plans, profiles, playback, pages and
    the player. The label is the one its tables were created under
    (``streaming``), so existing databases keep their migration history."""

    name = "streaming.subscribers"
    label = "streaming"
    verbose_name = "Subscribers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Push fill needs to know what each zone watches; playback sessions
        # are ours, and the edge app may not import us: we hand it a reader.
        from edge.popularity import popularity_provider_register

        from .selectors import playback_popularity_by_zone

        popularity_provider_register(playback_popularity_by_zone)
