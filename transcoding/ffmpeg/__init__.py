"""Every ffmpeg and ffprobe call of the project goes through this package:
``probe`` reads sources, ``commands`` builds argument lists (ffmpeg-python),
``run`` runs them with progress and never leaves a process behind,
``results`` reads what we wrote. The public names are re-exported here."""
from .commands import (  # noqa: F401
    aac_options,
    audio_args,
    chunk_args,
    clip_args,
    decode_args,
    hls_args,
    ladder_hls_args,
    ladder_mp4_args,
    loudness_filter_options,
    loudness_measure_args,
    loudness_report,
    multitrack_clip_args,
    poster_args,
    remux_args,
    sample_args,
    sprite_args,
    subtitle_extract_args,
    tone_args,
)
from .encoders import CODECS, CodecFacts, rung_options  # noqa: F401
from .errors import MediaError, explain, scrub  # noqa: F401
from .inputs import (  # noqa: F401
    LOCAL_PROTOCOLS,
    PACKAGE_DEMUXERS,
    PLAYLIST_DEMUXERS,
    REMOTE_PROTOCOLS,
    SOURCE_DEMUXERS,
    MediaInput,
    ffmpeg_bin,
    ffprobe_bin,
)
from .probing import (  # noqa: F401
    MAX_ASPECT,
    MAX_DURATION,
    MAX_FPS,
    MAX_SIDE,
    MIN_SIDE,
    SourceInfo,
    ffprobe_json,
    probe,
    source_precheck,
)
from .results import Frame, first_pts, frames, stream_info  # noqa: F401
from .runner import ProgressCallback, run  # noqa: F401
