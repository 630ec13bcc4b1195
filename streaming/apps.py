from django.apps import AppConfig


class StreamingConfig(AppConfig):
    """The project package doubles as the subscriber-side app."""

    name = "streaming"
    verbose_name = "Streaming"
