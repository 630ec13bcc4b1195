"""Writes of the subscriber side; public names re-exported."""
from .accounts import (  # noqa: F401
    account_create,
    login_account_wait,
    login_account_wait_text,
    login_attempt_allowed,
    login_failure_record,
    login_success_record,
    login_wait_text,
    plan_delete,
    plan_save,
    subscription_activate,
    subscription_cancel,
    subscription_change_plan,
    subscription_start,
    subscription_update,
    trusted_device_check,
    trusted_device_proof,
)
from .manifests import (  # noqa: F401
    codecs_parse,
    master_playlist,
    master_url,
    mpd_url,
    playback_payload,
    session_asset_url,
    session_codecs,
    session_mpd,
    session_pathways,
    session_token,
    session_tracks,
)
from .my_list import my_list_add, my_list_remove  # noqa: F401
from .playback import (  # noqa: F401
    MAX_SECONDS,
    QOE_FIELDS,
    QOE_MAX,
    playback_allowed,
    playback_heartbeat,
    playback_start,
    playback_stop,
    progress_record,
    qoe_record,
    resume_position,
    screens_check,
    screens_in_use,
    session_codecs_choose,
    subscription_active,
)
from .profiles import profile_create, profile_delete, profile_languages_set, profile_update  # noqa: F401
from .signin import api_sign_in, api_sign_out, playback_device_end  # noqa: F401
