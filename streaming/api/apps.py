from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The mobile API's own state (token sign-ins, source uploads in
    transfer); its views live beside each app as ``<app>/api``."""

    name = "streaming.api"
    label = "streaming_api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
