"""Packaging: everything we write around the CMAF segments ffmpeg produced
(media and I-frame playlists, the HLS multivariant playlist, the DASH MPD
over the same files, seek previews) and read back from them (CODECS strings,
timelines, bit rates). The public names are re-exported here."""
from .codecs import codecs_from_init  # noqa: F401
from .dash import render_mpd  # noqa: F401
from .dash_ladder import NoDashTimeline, dash_presentation, text_tracks_dash  # noqa: F401
from .dash_model import BaseUrl, measure_segments, timeline_runs  # noqa: F401
from .fmp4 import first_sample_end  # noqa: F401
from .master import (  # noqa: F401
    RELATIVE,
    START_BPS,
    Location,
    Media,
    Variant,
    audio_media,
    ladder_parts,
    language_matches,
    master_playlist_render,
    start_variant_first,
    subtitle_media,
)
from .media import MediaPlaylistFigures, Segment, iframe_playlist_write, media_playlist_read  # noqa: F401
from .thumbnails import thumbnails_vtt_render  # noqa: F401
from .webvtt import webvtt_playlist_render, webvtt_segments_render  # noqa: F401
