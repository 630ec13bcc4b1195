"""Reading, repairing and rendering subtitle files uploaded by staff, and
the language tags that label subtitle and audio tracks.

Standard library only (no Django), so the transcoding side can import the
cue type without loading the catalog app."""
from .language import language_choices, language_name, language_tag_normalise
from .model import Cue, SubtitleDocument, SubtitleError, webvtt_cue_render, webvtt_render, webvtt_timestamp
from .read import MAX_BYTES, MAX_CUES, subtitle_file_read

__all__ = [
    "MAX_BYTES", "MAX_CUES", "Cue", "SubtitleDocument", "SubtitleError", "language_choices", "language_name",
    "language_tag_normalise", "subtitle_file_read", "webvtt_cue_render", "webvtt_render", "webvtt_timestamp",
]
