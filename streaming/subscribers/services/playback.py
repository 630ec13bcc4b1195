"""Playback: who may watch what, where, at what quality, on how many
screens; heartbeats, resume and QoE. (What a session is given to play is in
manifests.py.)"""
from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Video
from catalog.selectors import titles_allowed, video_is_playable
from edge import selectors as edge_selectors
from streaming.core.errors import ApplicationError
from transcoding.ladder import CODEC_LABELS, CODEC_PREFERENCE
from transcoding.selectors import codecs_playable

from ..access import screens_held
from ..models import MAX_SECONDS, PlaybackSession, Profile, QoEReport, Subscription, WatchProgress

logger = logging.getLogger(__name__)

COMPLETED_SHARE = 0.95
QOE_FIELDS = ("startup_ms", "watch_ms", "stall_count", "stall_ms", "switch_count", "error_count")
# The largest value each QoE column holds (PositiveIntegerField / PositiveBigIntegerField).
INT_MAX, BIGINT_MAX = 2**31 - 1, 2**63 - 1
QOE_MAX = {"startup_ms": INT_MAX, "watch_ms": BIGINT_MAX, "stall_count": INT_MAX, "stall_ms": BIGINT_MAX,
           "switch_count": INT_MAX, "error_count": INT_MAX, "level_height": INT_MAX}
# A player may report a little past the probed duration (rounding, a longer audio track).
POSITION_SLACK = 10.0


def position_check(position, *, video: Video, field: str = "position") -> float:
    """A playback position as stored: a finite number of seconds within the
    video (clamped to its end when a little past it, refused when far past)."""
    try:
        value = float(position or 0)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or value < 0 or value > MAX_SECONDS:
        raise ApplicationError(f"{field} must be a number of seconds from 0 to {MAX_SECONDS}.",
                               code="invalid", extra={"field": field})
    duration = video.duration or 0
    if duration > 0 and value > duration + POSITION_SLACK:
        raise ApplicationError(f"{field} {value:g} is past the end of the video ({duration:g} s).",
                               code="invalid", extra={"field": field})
    return min(value, duration) if duration > 0 else value


def subscription_active(*, user) -> Subscription:
    subscription = Subscription.objects.select_related("plan").filter(user=user).first()
    if subscription is None or subscription.status != Subscription.Status.ACTIVE:
        raise ApplicationError(
            "Your account has no active subscription, so nothing can play. Choose a plan on your account page.",
            code="no_subscription",
        )
    return subscription


def screens_in_use(*, user, exclude_device: str = "", now=None) -> int:
    """Devices holding a screen: playing, or stopped so recently that an
    edge may still serve their token (see streaming.subscribers.access)."""
    return screens_held(user=user, exclude_device=exclude_device, now=now).in_use


# What a client that names no codecs gets: H.264 plays everywhere.
DEFAULT_CODECS = ("h264",)
MANIFEST_KINDS = ("hls", "dash")


def session_codecs_choose(*, video: Video, decodes: Sequence[str] | None) -> list[str]:
    """The codecs a new session is given: those the client decodes
    (``decodes``; None: H.264 only) that have a merged ladder now, in the
    order players should prefer them (AV1, HEVC, H.264)."""
    wanted = set(decodes or DEFAULT_CODECS)
    available = codecs_playable(video=video)
    chosen = [c for c in CODEC_PREFERENCE if c in wanted and c in available]
    if not chosen:
        names = ", ".join(CODEC_LABELS.get(c, c) for c in sorted(wanted))
        raise ApplicationError(
            f"This video has no ladder in a codec your device decodes ({names}) yet.",
            code="no_codec", extra={"available": list(available)},
        )
    return chosen


def playback_allowed(*, user, profile: Profile, video: Video, country: str) -> Subscription:
    """Everything but the screens: the profile is the account's, the
    subscription is active, the title is visible here and to this profile,
    the video is ready. Changes nothing (the player page asks before it
    renders; starting asks again)."""
    if profile.user_id != user.pk:
        raise ApplicationError("That profile belongs to another account.", code="forbidden")
    subscription = subscription_active(user=user)
    # Allowed here and on this profile (a title with nothing playable yet is
    # hidden from lists, but its video is "not ready", not "not available").
    visible = titles_allowed(country=country, kids=profile.kids).filter(pk=video.title_id).exists()
    if not visible:
        if profile.kids:
            raise ApplicationError("This title is not available on a kids profile.", code="not_for_kids")
        raise ApplicationError("This title is not available in your country.", code="not_available")
    if not video_is_playable(video=video):
        raise ApplicationError("This video is not ready to play yet.", code="not_ready")
    return subscription


def screens_check(*, user, plan, device: str, now=None) -> None:
    """Refuse (too_many_screens) when the plan's screens are taken by the
    account's other devices, or are still being released by a device that
    stopped a moment ago (an edge may still serve its token). Reads only: the
    player page asks it before it renders, and starting asks again under the
    account's lock."""
    screens = screens_held(user=user, exclude_device=device, now=now)
    in_use = screens.in_use
    if in_use >= plan.screens and in_use - screens.releasing < plan.screens:
        raise ApplicationError(
            f"Your {plan.name} plan allows {plan.screens} screen{'s' if plan.screens > 1 else ''} at a time. "
            "Playback stopped on another device a moment ago and its screen is being released: "
            "try again in a few seconds.",
            code="too_many_screens",
            extra={"screens": plan.screens, "in_use": in_use,
                   "retry_after": int(settings.EDGE_HEARTBEAT_INTERVAL * 2 + settings.EDGE_REVOCATION_OVERLAP)},
        )
    if in_use >= plan.screens:
        raise ApplicationError(
            f"Your {plan.name} plan allows {plan.screens} screen{'s' if plan.screens > 1 else ''} at a time "
            f"and {in_use} {'is' if in_use == 1 else 'are'} in use. Stop playback on another device, "
            "or upgrade your plan.",
            code="too_many_screens",
            extra={"screens": plan.screens, "in_use": in_use},
        )


def playback_start(*, user, profile: Profile, video: Video, device: str, country: str,
                   client_ip: str | None = None, user_agent: str = "", codecs: Sequence[str] | None = None,
                   manifest: str = "hls") -> PlaybackSession:
    """Check plan, subscription, country, profile and screens; then open a
    session with its ordered pathways, its codecs (see
    ``session_codecs_choose``) and its manifest kind. A device plays one
    thing at a time: its earlier sessions end here, and it counts once
    against the screens."""
    subscription = playback_allowed(user=user, profile=profile, video=video, country=country)
    if manifest not in MANIFEST_KINDS:
        raise ApplicationError(f"The manifest is one of {', '.join(MANIFEST_KINDS)}.", code="invalid",
                               extra={"field": "manifest"})
    session_codecs = session_codecs_choose(video=video, decodes=codecs)
    plan = subscription.plan
    now = timezone.now()
    with transaction.atomic():
        # One start at a time per account, so two devices cannot both take the last screen.
        Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        PlaybackSession.objects.filter(user=user, device=device, ended_at__isnull=True).update(ended_at=now)
        screens_check(user=user, plan=plan, device=device, now=now)
        route = edge_selectors.playback_route(country=country, client_ip=client_ip)
        pathways = route.pathways
        first = pathways[0]
        session = PlaybackSession.objects.create(
            user=user, profile=profile, video=video, device=device[:64], max_height=plan.max_height,
            country=country, client_ip=client_ip or None, user_agent=user_agent[:300],
            pathways=[p.id for p in pathways], edge_name=first.id, zone_code=first.zone_code,
            codecs=session_codecs, manifest=manifest, viewer_zone=route.viewer_zone,
            position=resume_position(profile=profile, video=video),
            last_heartbeat_at=now, expires_at=now + timedelta(seconds=settings.PLAYBACK_SESSION_LIFETIME),
        )
        QoEReport.objects.create(session=session, edge_name=first.id, zone_code=first.zone_code)
    return session


def playback_heartbeat(*, session: PlaybackSession, position: float, duration: float | None = None,
                       state: str = "playing", qoe: dict | None = None) -> PlaybackSession:
    """Keep the screen, remember the position (resume on any device), mark
    the title watched at its end, and store the player's QoE figures."""
    if session.ended_at is not None:
        raise ApplicationError("This playback session has ended; start playback again.", code="session_ended")
    now = timezone.now()
    if now >= session.expires_at:
        raise ApplicationError("This playback session has expired; start playback again.", code="session_expired")
    # Without heartbeats for PLAYBACK_SESSION_TTL a session loses its screen
    # and the edges are told to refuse its token: that is final. (Refused a
    # little early, so that no edge can have been told while this commits.)
    ttl = timedelta(seconds=settings.PLAYBACK_SESSION_TTL)
    if now - session.last_heartbeat_at > ttl - timedelta(seconds=settings.EDGE_REVOCATION_OVERLAP):
        PlaybackSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            ended_at=min(now, session.last_heartbeat_at + ttl))
        raise ApplicationError(
            f"This playback session lost its screen after {settings.PLAYBACK_SESSION_TTL} s without news from "
            "the player; start playback again.", code="session_ended")
    position = position_check(position, video=session.video)
    # The probed duration decides; the player's figure only when there is none.
    reported = float(duration) if isinstance(duration, (int, float)) and math.isfinite(duration) else 0.0
    duration = float(session.video.duration or min(max(reported, 0.0), MAX_SECONDS))
    PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=now, position=position)
    session.last_heartbeat_at, session.position = now, position
    completed = state == "ended" or (duration > 0 and position >= duration * COMPLETED_SHARE)
    progress_record(profile=session.profile, video=session.video, position=position, duration=duration,
                    completed=completed)
    if qoe:
        qoe_record(session=session, figures=qoe)
    return session


def playback_stop(*, session: PlaybackSession, position: float | None = None, qoe: dict | None = None) -> None:
    """End the session, keeping the place it stopped at. A stop that arrives
    late, after the same device started again (a reload ends the old session
    before the old page's beacon lands), still counts unless a newer
    session has reported a position since."""
    if position is not None and not _progress_newer_than_end(session):
        progress_record(profile=session.profile, video=session.video,
                        position=position_check(position, video=session.video),
                        duration=float(session.video.duration or 0), completed=False)
    if qoe:
        qoe_record(session=session, figures=qoe)  # (nothing recorded for a session deleted meanwhile)
    PlaybackSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def _progress_newer_than_end(session: PlaybackSession) -> bool:
    if session.ended_at is None:
        return False
    return WatchProgress.objects.filter(profile=session.profile, video=session.video,
                                        updated_at__gt=session.ended_at).exists()


def progress_record(*, profile: Profile, video: Video, position: float, duration: float,
                    completed: bool) -> WatchProgress | None:
    if not all(math.isfinite(v) and 0 <= v <= MAX_SECONDS for v in (position, duration)):
        raise ApplicationError("A position and a duration are numbers of seconds.", code="invalid")
    try:
        # One transaction: foreign keys are checked when it commits, so a row
        # deleted meanwhile is caught here, not as a 500.
        with transaction.atomic():
            progress, _ = WatchProgress.objects.get_or_create(profile=profile, video=video,
                                                              defaults={"title_id": video.title_id})
            progress.position = position
            progress.duration = duration or progress.duration
            # Watching again from the start clears "watched" only once past the opening.
            progress.completed = completed or (progress.completed and position < 30)
            progress.save()
    except IntegrityError:  # the profile or video was deleted while the page was open (a late beacon)
        logger.info("progress of a deleted profile or video not recorded")
        return None
    return progress


def resume_position(*, profile: Profile, video: Video) -> float:
    progress = WatchProgress.objects.filter(profile=profile, video=video).first()
    if progress is None or progress.completed or not math.isfinite(progress.position):
        return 0.0
    return max(0.0, progress.position)


def qoe_record(*, session: PlaybackSession, figures: dict) -> QoEReport | None:
    try:
        with transaction.atomic():
            return _qoe_store(session=session, figures=figures)
    except IntegrityError:  # the session was deleted while its page was open
        logger.info("QoE of a deleted session not recorded")
        return None


def _qoe_store(*, session: PlaybackSession, figures: dict) -> QoEReport:
    report, _ = QoEReport.objects.get_or_create(session=session)
    for field in QOE_FIELDS:
        value = figures.get(field)
        if value is None:
            continue
        try:
            value = min(max(0, int(value)), QOE_MAX[field])
        except (TypeError, ValueError, OverflowError):  # OverflowError: int(inf)
            continue
        if field == "startup_ms":
            report.startup_ms = report.startup_ms or value  # the first start counts
        else:
            setattr(report, field, max(getattr(report, field), value))  # counters only grow
    if figures.get("last_error"):
        report.last_error = str(figures["last_error"])[:300]
    if figures.get("level_height"):
        try:
            report.last_level_height = min(max(0, int(figures["level_height"])), QOE_MAX["level_height"])
        except (TypeError, ValueError, OverflowError):
            pass
    if figures.get("edge"):
        report.edge_name = str(figures["edge"])[:80]
    report.save()
    return report
