"""Writes of the transcoding app; the public names are re-exported here."""
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
from .pipeline import chunk_process, job_merge, job_prepare  # noqa: F401
