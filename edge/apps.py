from django.apps import AppConfig


class EdgeConfig(AppConfig):
    name = "edge"
    verbose_name = "Edge (CDN)"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the signing keys check)
