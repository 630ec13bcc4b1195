"""Writes to the catalog; the public names are re-exported here."""
from .artwork import artwork_delete, artwork_from_video, artwork_image_check, artwork_save  # noqa: F401
from .series import episode_delete, episode_save, season_delete, season_save  # noqa: F401
from .titles import (  # noqa: F401
    TITLE_FIELDS,
    genre_delete,
    genre_get_or_create,
    genre_save,
    title_create,
    title_delete,
    title_set_countries,
    title_update,
)
from .tracks import (  # noqa: F401
    audio_track_status_record,
    audio_track_upload,
    audio_tracks_from_probe,
    language_check,
    text_track_delete,
    text_track_from_source,
    text_track_unsupported,
    text_track_upload,
    text_tracks_packaged_mark,
)
from .uploads import (  # noqa: F401
    source_upload_abort,
    source_upload_chunk_write,
    source_upload_complete,
    source_upload_create,
    source_upload_state,
    source_uploads_expire,
)
from .videos import (  # noqa: F401
    video_create,
    video_create_from_storage,
    video_delete,
    video_failed_mark,
    video_fingerprint_record,
    video_probe_record,
    video_processing_mark,
    video_ready_mark,
    video_source_saved,
    video_update,
)
