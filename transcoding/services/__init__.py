"""Writes of the transcoding app; the public names are re-exported here."""
from .chunks import chunk_claim, chunk_process  # noqa: F401
from .jobs import job_cancel, job_retry, job_retryable, job_start, jobs_reconcile  # noqa: F401
from .merge import job_merge, manifests_store, merge_claim  # noqa: F401
from .prepare import job_prepare  # noqa: F401
from .profiles import (  # noqa: F401
    profile_codec_save,
    profile_create,
    profile_default,
    profile_delete,
    profile_demo,
    profile_rung_delete,
    profile_rung_save,
    profile_save,
)
from .state import (  # noqa: F401
    job_fail,
    job_finish_if_complete,
    job_progress_update,
    ladder_fail,
    ladder_merge_if_ready,
)
from .tracks import dub_package, text_tracks_package  # noqa: F401
