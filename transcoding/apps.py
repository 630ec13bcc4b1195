from django.apps import AppConfig


class TranscodingConfig(AppConfig):
    name = "transcoding"
    verbose_name = "Transcoding"

    def ready(self) -> None:
        from catalog.signals import audio_track_uploaded, text_tracks_changed, video_source_stored

        from .receivers import (
            audio_track_uploaded_package,
            text_tracks_changed_package,
            video_source_stored_transcode,
        )

        video_source_stored.connect(video_source_stored_transcode, dispatch_uid="transcoding.on_upload")
        text_tracks_changed.connect(text_tracks_changed_package, dispatch_uid="transcoding.on_text_tracks")
        audio_track_uploaded.connect(audio_track_uploaded_package, dispatch_uid="transcoding.on_dub")
