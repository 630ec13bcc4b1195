"""What the catalog tells the apps above it, without knowing them.

``video_source_stored`` is sent after the transaction that stored a new
source commits (``video_id`` as keyword): the transcoding app listens and
starts a job; the catalog itself never imports transcoding."""
from django.dispatch import Signal

video_source_stored = Signal()

# Sent after the transaction that added, replaced or removed a video's text
# track commits (``video_id`` as keyword): the transcoding app packages the
# video's text tracks into its ladder and rewrites its stored manifests.
text_tracks_changed = Signal()
# Sent after the transaction that stored an uploaded dub commits (``track_id``
# as keyword): the transcoding app encodes it into the video's ladder.
audio_track_uploaded = Signal()
