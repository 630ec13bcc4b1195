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

        # Edges refuse the tokens of sessions that lost their media access:
        # we tell them which (edge.revocation), from the sessions' own columns.
        from edge.revocation import revocation_provider_register

        from .access import revocation_provider

        revocation_provider_register(revocation_provider)

        # A browser signing out ends its playback, as an app's sign-out does.
        from django.contrib.auth.signals import user_logged_out

        from .services.signin import web_sign_out_received

        user_logged_out.connect(web_sign_out_received, dispatch_uid="subscribers-web-sign-out")
