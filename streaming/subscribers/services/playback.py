"""Playback: who may watch what, where, at what quality, on how many
screens; heartbeats, resume and QoE. (What a session is given to play is in
manifests.py.)"""
from __future__ import annotations

import logging
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
from ..models import PlaybackSession, Profile, QoEReport, Subscription, WatchProgress

logger = logging.getLogger(__name__)

COMPLETED_SHARE = 0.95
QOE_FIELDS = ("startup_ms", "watch_ms", "stall_count", "stall_ms", "switch_count", "error_count")


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


def playback_start(*, user, profile: Profile, video: Video, device: str, country: str,
                   client_ip: str | None = None, user_agent: str = "", codecs: Sequence[str] | None = None,
                   manifest: str = "hls") -> PlaybackSession:
    """Check plan, subscription, country, profile and screens; then open a
    session with its ordered pathways, its codecs (see
    ``session_codecs_choose``) and its manifest kind. A device plays one
    thing at a time: its earlier sessions end here, and it counts once
    against the screens."""
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
    position = max(0.0, float(position or 0))
    duration = float(duration or session.video.duration or 0)
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
        progress_record(profile=session.profile, video=session.video, position=float(position),
                        duration=float(session.video.duration or 0), completed=False)
    if qoe:
        try:
            with transaction.atomic():
                qoe_record(session=session, figures=qoe)
        except IntegrityError:  # the session was deleted while its page was open (a late beacon)
            logger.info("QoE of a deleted session not recorded")
    PlaybackSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=timezone.now())


def _progress_newer_than_end(session: PlaybackSession) -> bool:
    if session.ended_at is None:
        return False
    return WatchProgress.objects.filter(profile=session.profile, video=session.video,
                                        updated_at__gt=session.ended_at).exists()


def progress_record(*, profile: Profile, video: Video, position: float, duration: float,
                    completed: bool) -> WatchProgress | None:
    try:
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
    if progress is None or progress.completed:
        return 0.0
    return progress.position


def qoe_record(*, session: PlaybackSession, figures: dict) -> QoEReport:
    report, _ = QoEReport.objects.get_or_create(session=session)
    for field in QOE_FIELDS:
        value = figures.get(field)
        if value is None:
            continue
        try:
            value = max(0, int(value))
        except (TypeError, ValueError):
            continue
        if field == "startup_ms":
            report.startup_ms = report.startup_ms or value  # the first start counts
        else:
            setattr(report, field, max(getattr(report, field), value))  # counters only grow
    if figures.get("last_error"):
        report.last_error = str(figures["last_error"])[:300]
    if figures.get("level_height"):
        try:
            report.last_level_height = int(figures["level_height"])
        except (TypeError, ValueError):
            pass
    if figures.get("edge"):
        report.edge_name = str(figures["edge"])[:80]
    report.save()
    return report
