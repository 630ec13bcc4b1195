"""What the catalog tells the apps above it, without knowing them.

``video_source_stored`` is sent after the transaction that stored a new
source commits (``video_id`` as keyword): the transcoding app listens and
starts a job; the catalog itself never imports transcoding."""
from django.dispatch import Signal

video_source_stored = Signal()
