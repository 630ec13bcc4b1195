"""Packaging: everything we write around the segments ffmpeg produced
(media and I-frame playlists, the master, seek previews) and read back from
them. The public names are re-exported here."""
from .fmp4 import first_sample_end  # noqa: F401
from .master import (  # noqa: F401
    RELATIVE,
    START_BPS,
    Location,
    Media,
    Variant,
    ladder_parts,
    master_playlist_render,
    start_variant_first,
)
from .media import MediaPlaylistFigures, Segment, iframe_playlist_write, media_playlist_read  # noqa: F401
from .thumbnails import thumbnails_vtt_render  # noqa: F401
