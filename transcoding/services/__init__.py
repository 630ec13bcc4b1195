"""Writes of the transcoding app; the public names are re-exported here."""
from .chunks import chunk_claim, chunk_process  # noqa: F401
from .jobs import (  # noqa: F401
    job_cancel,
    job_fail,
    job_merge_if_ready,
    job_progress_update,
    job_retry,
    job_start,
    jobs_reconcile,
    profile_default,
)
from .merge import job_merge, merge_claim  # noqa: F401
from .prepare import job_prepare  # noqa: F401
