from django.apps import AppConfig


class TranscodingConfig(AppConfig):
    name = "transcoding"
    verbose_name = "Transcoding"

    def ready(self) -> None:
        from catalog.signals import video_source_stored

        from .receivers import video_source_stored_transcode

        video_source_stored.connect(video_source_stored_transcode, dispatch_uid="transcoding.on_upload")
