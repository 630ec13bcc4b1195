from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The foundation's own state: API sign-ins (token pairs) and broker pings.

    The label is the one these tables were created under (``streaming_api``),
    so existing databases keep their migration history."""

    name = "streaming.core"
    label = "streaming_api"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the secret key check)
