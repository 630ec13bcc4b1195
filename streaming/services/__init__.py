"""Writes of the streaming app; public names re-exported."""
from .accounts import (  # noqa: F401
    account_create,
    login_attempt_allowed,
    login_failure_record,
    login_success_record,
    subscription_activate,
    subscription_cancel,
    subscription_change_plan,
    subscription_start,
)
from .playback import (  # noqa: F401
    master_playlist,
    master_url,
    playback_heartbeat,
    playback_start,
    playback_stop,
    progress_record,
    qoe_record,
    resume_position,
    screens_in_use,
    session_asset_url,
    session_pathways,
    session_token,
    subscription_active,
)
from .profiles import profile_create, profile_delete, profile_update  # noqa: F401
from .workers import worker_ping_answer, worker_ping_send, worker_ping_wait  # noqa: F401
