"""Playback: start a session, heartbeat, stop; the account's active sessions."""
from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from catalog.models import Video
from edge.locate import client_ip
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses
from transcoding.models import Codec

from .. import selectors, services
from ..models import PlaybackSession
from ..services import MAX_SECONDS, QOE_FIELDS, QOE_MAX
from .common import country_of, profile_of

TAG = "Playback"


class PathwaySerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Pathway id as in the master playlist's PATHWAY-ID.")
    base_url = serializers.URLField(help_text="Media URLs are <base_url>/t/<token>/hls/<video>/<file>.")
    zone_code = serializers.CharField()
    zone_name = serializers.CharField()


CODEC_CHOICES = Codec.choices  # h264 (avc1), av1 (av01), hevc (hvc1)
MANIFEST_CHOICES = [("hls", "HLS multivariant playlist"), ("dash", "DASH MPD")]


class SessionCodecSerializer(serializers.Serializer):
    codec = serializers.ChoiceField(choices=CODEC_CHOICES)
    codecs = serializers.CharField(help_text="RFC 6381 string of its tallest rung your plan allows, as in "
                                             "the manifest (e.g. av01.0.08M.08): check your decoder takes it.")


class SessionAudioTrackSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="STABLE-RENDITION-ID in the HLS master; Representation id in DASH.")
    language = serializers.CharField(help_text="BCP 47.")
    label = serializers.CharField()  # type: ignore[assignment]
    default = serializers.BooleanField()
    described_video = serializers.BooleanField(help_text="Audio description for blind and low-vision viewers.")


class SessionTextTrackSerializer(serializers.Serializer):
    id = serializers.CharField()
    language = serializers.CharField(help_text="BCP 47.")
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.ChoiceField(choices=["subtitles", "captions", "forced"])
    default = serializers.BooleanField()
    url = serializers.URLField(help_text="The whole WebVTT file (film time, 0 = first frame) on the first pathway.")


class SessionSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The playback session: heartbeat and stop it.")
    video = serializers.UUIDField(help_text="The video's public id.")
    title = serializers.CharField(help_text="Slug of the title.")
    manifest = serializers.ChoiceField(choices=MANIFEST_CHOICES, help_text="The manifest kind you asked for.")
    manifest_url = serializers.URLField(help_text=(
        "Absolute URL of this session's manifest (HLS or DASH, as asked); the token in its path is the "
        "credential (no Authorization header needed). It lists only the rungs the plan allows and only "
        "`codecs`: HLS with one copy per pathway and EXT-X-CONTENT-STEERING, DASH with one AdaptationSet per "
        "codec and one BaseURL per pathway in failover order (edge, next zones, origin)."))
    master_url = serializers.URLField(allow_null=True, help_text=(
        "The HLS multivariant playlist (the same as `manifest_url` for HLS sessions); null for DASH sessions."))
    codecs = SessionCodecSerializer(many=True, help_text=(
        "The video codecs this session is given, preferred first: the ones you said you decode that this "
        "video has now. Fixed for the session; a codec whose ladder is still encoding joins later sessions."))
    steering_url = serializers.URLField(help_text="Absolute HLS content-steering URL (JSON) of this session.")
    resume_position = serializers.FloatField(help_text="Seconds: start playing here.")
    duration = serializers.FloatField(allow_null=True, help_text="Seconds.")
    expires_at = serializers.DateTimeField(help_text="Media URLs and the session stop working then.")
    max_height = serializers.IntegerField(help_text="The plan's highest rung (short side).")
    heartbeat_interval = serializers.IntegerField(help_text=(
        "Seconds between heartbeats. Keep sending them while paused: a session without one for "
        "PLAYBACK_SESSION_TTL loses its screen and its tokens for good (edges refuse it)."))
    edge = PathwaySerializer(help_text="The first pathway: the edge chosen for this device.")
    pathways = PathwaySerializer(many=True, help_text="All pathways in steering order (origin last).")
    poster_url = serializers.URLField(help_text="Poster image on the first pathway.")
    thumbnails_url = serializers.URLField(help_text="WebVTT of trick-play thumbnails on the first pathway.")
    audio_tracks = SessionAudioTrackSerializer(many=True, help_text=(
        "The audio languages, in menu order; `default` is the profile's audio language when the title has it "
        "(DEFAULT=YES in HLS, Role main in DASH), else the original."))
    text_tracks = SessionTextTrackSerializer(many=True, help_text=(
        "Subtitles and captions; `default` only for the profile's subtitle language (else subtitles start off)."))


def session_payload(request, session: PlaybackSession) -> dict:
    payload = services.playback_payload(session=session)

    def pathway(p) -> dict:
        return {"id": p.id, "base_url": p.base_url, "zone_code": p.zone_code, "zone_name": p.zone_name}

    hls = session.manifest == "hls"
    return {
        "id": session.pk, "video": session.video.public_id, "title": session.video.title.slug,
        "manifest": session.manifest, "manifest_url": request.build_absolute_uri(payload.manifest_path),
        "master_url": request.build_absolute_uri(payload.master_path) if hls else None,
        "codecs": [{"codec": c, "codecs": s} for c, s in payload.codecs.items()],
        "steering_url": payload.steering_url,
        "resume_position": session.position, "duration": session.video.duration,
        "expires_at": session.expires_at, "max_height": session.max_height,
        "heartbeat_interval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "edge": pathway(payload.edge), "pathways": [pathway(p) for p in payload.pathways],
        "poster_url": payload.poster_url, "thumbnails_url": payload.thumbnails_url,
        **{f"{kind}_tracks": rows for kind, rows in services.session_tracks(session=session,
                                                                           token=payload.token).items()},
    }


class ActiveSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    video = serializers.UUIDField(source="video.public_id")
    title = serializers.CharField(source="video.title.name")
    profile = serializers.IntegerField(source="profile_id")
    device = serializers.CharField()
    edge_name = serializers.CharField()
    position = serializers.FloatField()
    started_at = serializers.DateTimeField()
    last_heartbeat_at = serializers.DateTimeField()


class PlaybackStartApi(ApiView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "playback_start"

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []  # only starting is limited

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlaybackStartInput"

        profile = serializers.IntegerField(min_value=1, help_text="One of your profile ids.")
        video = serializers.UUIDField(help_text="A playable video's public id, from a title's detail.")
        codecs = serializers.ListField(
            child=serializers.ChoiceField(choices=CODEC_CHOICES), required=False, allow_empty=False,
            help_text="The video codecs this device decodes, any order. Default: [\"h264\"] (plays everywhere).")
        manifest = serializers.ChoiceField(choices=MANIFEST_CHOICES, default="hls",
                                           help_text="The manifest you want: HLS (default) or DASH.")

    @extend_schema(tags=[TAG], operation_id="playback_start", request=InputSerializer,
                   summary="Start playback: a session with its manifest (HLS or DASH)",
                   description=(
                       "Checks the subscription (403 `no_subscription`), the country and profile (403 "
                       "`not_available` / `not_for_kids`), that the video is transcoded (409 `not_ready`), "
                       "that it has a ladder in a codec you decode (409 `no_codec`, `extra.available` lists "
                       "what it has) and the plan's screens (409 `too_many_screens`, `extra` has `screens` and "
                       "`in_use`). The answer lists only the codecs you decode, in the manifest kind you asked "
                       "for; a client that names neither gets H.264 in HLS. "
                       "This sign-in counts as one device: starting again replaces its earlier session."),
                   responses={201: SessionSerializer, **error_responses(400, 401, 403, 404, 409, 429)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = profile_of(request, data.validated_data["profile"])
        video = get_object_or_404(Video.objects.select_related("title"), public_id=data.validated_data["video"])
        session = services.playback_start(
            user=request.user, profile=profile, video=video, device=request.auth.device,
            country=country_of(request), client_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""), codecs=data.validated_data.get("codecs"),
            manifest=data.validated_data["manifest"],
        )
        return Response(SessionSerializer(session_payload(request, session)).data, status=status.HTTP_201_CREATED)

    @extend_schema(tags=[TAG], operation_id="playback_sessions_list",
                   summary="Sessions holding a screen on this account now",
                   responses={200: ActiveSessionSerializer(many=True), **error_responses(401)})
    def get(self, request):
        return Response(ActiveSessionSerializer(selectors.sessions_active(user=request.user), many=True).data)


def own_session(request, session_id) -> PlaybackSession:
    """A session of the caller's account; another account's is a 404."""
    return get_object_or_404(PlaybackSession.objects.select_related("video", "profile"),
                             pk=session_id, user=request.user)


def _figure(column: str, **kwargs) -> serializers.IntegerField:
    """A QoE figure: 0 up to what its column holds; null (not measured yet) is skipped."""
    return serializers.IntegerField(min_value=0, max_value=QOE_MAX[column], required=False, allow_null=True,
                                    **kwargs)


class QoESerializer(serializers.Serializer):
    """Player figures since the session started (CTA-2066 terms); counters only
    grow. Each is bounded by the column that stores it."""

    startup_ms = _figure("startup_ms", help_text="Press play to first frame.")
    watch_ms = _figure("watch_ms")
    stall_count = _figure("stall_count")
    stall_ms = _figure("stall_ms")
    switch_count = _figure("switch_count")
    error_count = _figure("error_count")
    last_error = serializers.CharField(max_length=300, required=False, allow_blank=True, allow_null=True)
    level_height = _figure("level_height", help_text="Rung playing now.")
    edge = serializers.CharField(max_length=80, required=False, allow_blank=True, allow_null=True,
                                 help_text="Pathway id serving now.")


assert set(QOE_FIELDS) <= set(QoESerializer().fields)


class HeartbeatResultSerializer(serializers.Serializer):
    position = serializers.FloatField(help_text="The position stored (resume point).")
    last_heartbeat_at = serializers.DateTimeField()


class PlaybackHeartbeatApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlaybackHeartbeatInput"

        position = serializers.FloatField(min_value=0, max_value=MAX_SECONDS, help_text=(
            "Seconds played to: within the video (a little past its end is taken as the end)."))
        duration = serializers.FloatField(min_value=0, max_value=MAX_SECONDS, required=False, allow_null=True,
                                          help_text="The player's figure; the server's own duration wins.")
        state = serializers.ChoiceField(choices=["playing", "paused", "buffering", "ended"], default="playing",
                                        help_text="'ended' marks the video watched.")
        qoe = QoESerializer(required=False)

    @extend_schema(tags=[TAG], operation_id="playback_heartbeat", request=InputSerializer,
                   summary="Heartbeat: keep the screen, save the position, report QoE",
                   description="Send every `heartbeat_interval` seconds, paused or playing: "
                               "silence past PLAYBACK_SESSION_TTL ends the session. 409 `session_ended` or "
                               "`session_expired`: start playback again.",
                   responses={200: HeartbeatResultSerializer, **error_responses(400, 401, 404, 409)})
    def post(self, request, session_id):
        session = own_session(request, session_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        session = services.playback_heartbeat(session=session, position=v["position"], duration=v.get("duration"),
                                              state=v["state"], qoe=v.get("qoe") or None)
        return Response(HeartbeatResultSerializer(session).data)


class PlaybackStopApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "PlaybackStopInput"

        position = serializers.FloatField(min_value=0, max_value=MAX_SECONDS, required=False, allow_null=True,
                                          help_text="Seconds played to, saved as the resume point.")

    @extend_schema(tags=[TAG], operation_id="playback_stop", request=InputSerializer,
                   summary="Stop: free the screen and save the position",
                   responses={204: None, **error_responses(400, 401, 404)})
    def post(self, request, session_id):
        session = own_session(request, session_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.playback_stop(session=session, position=data.validated_data.get("position"))
        return Response(status=status.HTTP_204_NO_CONTENT)
