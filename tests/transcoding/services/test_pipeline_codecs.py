"""Every codec through the real pipeline: H.264, AV1 and HEVC ladders of one
clip, packaged once as CMAF and described twice (HLS and DASH); playable as
soon as H.264 is merged; a codec that fails fails alone and Retry redoes
only its chunks."""
from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import m3u8
import pytest
from django.core.files import File
from django.urls import reverse

from catalog.models import Video
from catalog.services import title_create, video_create
from tests.factories import subscriber_make as make_subscriber
from tests.fixtures.api import bearer
from tests.fixtures.broker import wait_for
from tests.fixtures.multicodec import multicodec_profile
from tests.fixtures.package import assert_package_is_correct, download_package
from tests.fixtures.transcode import transcode
from tests.transcoding.codec_media import hevc_nal_type, hevc_sps_ptl, length_prefixed_nals, video_samples
from tests.transcoding.services.test_jobs import flaky_ffmpeg
from transcoding import ffmpeg
from transcoding.models import Chunk, CodecLadder, TranscodeJob
from transcoding.packaging import codecs_from_init
from transcoding.packaging.dash_model import MPD_NS
from transcoding.services import job_retry

pytestmark = pytest.mark.slow
NS = {"d": MPD_NS}


def test_every_codec_is_frame_exact_and_segments_coincide_across_codecs_and_rungs(multicodec_title, tmp_path):
    job, source = multicodec_title
    assert {ladder.codec: ladder.status for ladder in job.ladders.all()} == {
        "h264": "done", "av1": "done", "hevc": "done"}
    master = assert_package_is_correct(job, source, tmp_path / "pkg")
    assert sorted(p.uri for p in master.playlists) == sorted([
        "v360/index.m3u8", "v234/index.m3u8", "av1/v360/index.m3u8", "av1/v234/index.m3u8",
        "hevc/v360/index.m3u8"])
    # The same media time for every codec's first frame, hence one audio track for all.
    firsts = {p.uri: ffmpeg.first_pts(tmp_path / "pkg" / p.uri) for p in master.playlists}
    assert max(firsts.values()) - min(firsts.values()) < 0.001, firsts
    assert job.media_start == pytest.approx(firsts["v360/index.m3u8"], abs=1e-6)


def test_h264_was_encoded_first_and_playable_before_the_other_codecs_merged(multicodec_title):
    job, _ = multicodec_title
    ladders = {ladder.codec: ladder for ladder in job.ladders.all()}
    assert ladders["h264"].finished_at < ladders["av1"].finished_at
    assert ladders["h264"].finished_at < ladders["hevc"].finished_at
    chunks = job.chunks.filter(kind=Chunk.Kind.VIDEO)
    first_other = min(c.started_at for c in chunks.exclude(codec="h264"))
    assert min(c.started_at for c in chunks.filter(codec="h264")) <= first_other


def test_hevc_is_hvc1_its_codecs_string_matches_and_every_segment_decodes(multicodec_title, tmp_path):
    job, _ = multicodec_title
    out = download_package(job.video, tmp_path / "pkg")
    folder = out / "hevc" / "v360"
    probe = ffmpeg.stream_info(folder / "index.m3u8", demuxers=ffmpeg.PLAYLIST_DEMUXERS)["streams"][0]
    assert probe["codec_name"] == "hevc" and probe["codec_tag_string"] == "hvc1" and probe["profile"] == "Main"
    init = (folder / "init.mp4").read_bytes()
    joined = folder / "first.mp4"
    joined.write_bytes(init + (folder / "seg_00000.m4s").read_bytes())
    ptl = hevc_sps_ptl(joined)  # read from the SPS itself, not from the code under test
    assert ptl["level_idc"] == probe["level"]
    declared = next(p.stream_info.codecs for p in m3u8.load(str(out / "master.m3u8")).playlists
                    if p.uri == "hevc/v360/index.m3u8").split(",")[0]
    assert declared == codecs_from_init(init)
    assert declared.startswith(f"hvc1.{ptl['profile_idc']}.") and f".L{ptl['level_idc']}" in declared
    # hvc1: the parameter sets are in the sample entry, not repeated in the samples.
    _, samples = video_samples(joined.read_bytes())
    data = joined.read_bytes()
    in_band = {hevc_nal_type(n) for s in samples for n in length_prefixed_nals(data[s.offset:s.offset + s.size])}
    assert not in_band & {32, 33, 34}, in_band
    # ffmpeg decodes the whole HEVC rung through its HLS demuxer: every segment, no error.
    result = subprocess.run(ffmpeg.decode_args(input_path=folder / "index.m3u8", demuxers=ffmpeg.PLAYLIST_DEMUXERS),
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr[-2000:]
    segments = sorted(folder.glob("seg_*.m4s"))
    assert len(segments) == 3


def test_the_stored_mpd_describes_the_hls_files_and_no_segment_is_stored_twice(multicodec_title, tmp_path):
    job, _ = multicodec_title
    out = download_package(job.video, tmp_path / "pkg")
    mpd = ET.parse(out / "manifest.mpd").getroot()
    assert mpd.get("type") == "static"
    sets = mpd.findall("d:Period/d:AdaptationSet", NS)
    video_sets = [s for s in sets if s.get("contentType") == "video"]
    codecs_per_set = [{r.get("codecs").split(".")[0] for r in s.findall("d:Representation", NS)} for s in video_sets]
    assert sorted(min(c) for c in codecs_per_set) == ["av01", "avc1", "hvc1"]
    assert all(len(c) == 1 for c in codecs_per_set), "one AdaptationSet per codec"
    assert [s.get("contentType") for s in sets].count("audio") == 1
    referenced = set()
    for rep in mpd.iter(f"{{{MPD_NS}}}Representation"):
        template = rep.find("d:SegmentTemplate", NS)
        count = sum(int(s.get("r", 0)) + 1 for s in template.findall("d:SegmentTimeline/d:S", NS))
        start = int(template.get("startNumber"))
        referenced.add(template.get("initialization"))
        referenced |= {template.get("media").replace("$Number%05d$", f"{n:05d}") for n in range(start, start + count)}
    hls = set()
    for playlist in [*m3u8.load(str(out / "master.m3u8")).playlists, *m3u8.load(str(out / "master.m3u8")).media]:
        if not playlist.uri:
            continue
        folder = Path(playlist.uri).parent
        media = m3u8.load(str(out / playlist.uri))
        hls |= {str(folder / media.segment_map[0].uri), *(str(folder / s.uri) for s in media.segments)}
    stored = {str(p.relative_to(out)) for p in out.rglob("*") if p.suffix in (".m4s", ".mp4")}
    assert referenced == hls == stored, "DASH and HLS name the very same files, and nothing else is stored"


def test_playable_as_soon_as_h264_is_merged_and_av1_joins_new_sessions_only(worker, clips, monkeypatch, client):
    """AV1's merge is held back (its message kept) while a session starts
    on the H.264 ladder; then AV1 merges: that session's manifests do not
    change, a new session gets AV1."""
    from streaming.subscribers.models import PlaybackSession
    from streaming.subscribers.services import master_playlist, playback_start, session_token
    from transcoding import tasks

    multicodec_profile(codecs={"av1": True, "hevc": False}, name="Test: H.264 + AV1")
    held: list[tuple] = []
    real_send = tasks.job_merge.send

    def send(job_id, codec="h264"):
        if codec != "h264" and not getattr(send, "released", False):
            held.append((job_id, codec))
            return None
        return real_send(job_id, codec)

    monkeypatch.setattr(tasks.job_merge, "send", send)
    with clips.silent.open("rb") as fh:
        video = video_create(title=title_create(name="Early"), source=File(fh, name="silent.mp4"))
    job = wait_for(lambda: TranscodeJob.objects.filter(video=video, ladders__codec="h264",
                                                       ladders__status="done").first(),
                   timeout=180, what="the H.264 ladder")
    video.refresh_from_db()
    assert video.status == Video.Status.READY, "playable with H.264 alone"
    wait_for(lambda: held, timeout=120, what="the AV1 merge to be asked for (and held)")
    assert job.ladders.get(codec="av1").status == CodecLadder.Status.MERGING

    user, profile = make_subscriber()
    early = playback_start(user=user, profile=profile, video=video, device="phone", country="US",
                           codecs=["av1", "h264"])
    assert early.codecs == ["h264"]
    token = session_token(session=early)
    before = master_playlist(session=early, token=token).text
    assert "av01" not in before and "avc1" in before

    send.released = True
    for job_id, codec in held:
        real_send(job_id, codec)
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").first(), timeout=120,
                   what="the AV1 merge")
    assert job.ladders.get(codec="av1").status == CodecLadder.Status.DONE
    early = PlaybackSession.objects.get(pk=early.pk)
    assert master_playlist(session=early, token=token).text == before, "a session in progress is not disturbed"
    later = playback_start(user=user, profile=profile, video=video, device="tablet", country="US",
                           codecs=["av1", "h264"])
    assert later.codecs == ["av1", "h264"]
    text = master_playlist(session=later, token=session_token(session=later)).text
    assert "av01" in text and "avc1" in text


def test_a_codec_the_encoder_refuses_fails_alone_with_its_reason(worker, clips, tmp_path, admin_client):
    """SVT-AV1 refuses pictures under 64 pixels a side: a 96x54 source gets
    its H.264 ladder, the AV1 one fails with a reason staff can read, and
    Retry redoes the AV1 chunks only."""
    multicodec_profile(codecs={"av1": True, "hevc": False}, name="Test: H.264 + AV1")
    tiny = tmp_path / "tiny.mp4"
    ffmpeg.run(ffmpeg.clip_args(output=tiny, size="96x54", seconds=4, audio=False))
    job = transcode(tiny, name="Tiny", timeout=180)
    assert job.status == TranscodeJob.Status.DONE, job.error
    av1 = job.ladders.get(codec="av1")
    assert av1.status == CodecLadder.Status.FAILED
    assert "AV1 (libsvtav1)" in av1.error and "refused" in av1.error, av1.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY, "the H.264 ladder still ships"
    assert set(job.renditions.values_list("codec", flat=True)) == {"h264"}
    page = admin_client.get(reverse("admin:transcoding_transcodejob_change", args=[job.pk])).content.decode()
    assert "refused" in page and "AV1" in page
    listing = admin_client.get(reverse("admin:transcoding_transcodejob_changelist")).content.decode()
    assert "AV1 failed" in listing or "AV1 (libsvtav1)" in listing
    staff, _ = make_subscriber(plan="premium")
    staff.is_staff = True
    staff.save()
    api = bearer(staff).get(f"/api/v1/staff/jobs/{job.pk}/")
    assert api.status_code == 200, api.content
    ladders = {ladder["codec"]: ladder for ladder in api.json()["ladders"]}
    assert ladders["h264"]["status"] == "done" and ladders["h264"]["progress"] == 100
    assert ladders["av1"]["status"] == "failed" and "refused" in ladders["av1"]["error"]
    assert api.json()["playable"] is True and api.json()["status"] == "done"

    before = {c.pk: (c.codec, c.attempts) for c in job.chunks.all()}
    job_retry(job=job)
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY, "still playable while AV1 is redone"
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").first(), timeout=120,
                   what="the retried job to end")
    after = {c.pk: c.attempts for c in job.chunks.all()}
    for pk, (codec, attempts) in before.items():
        assert after[pk] == (attempts + 1 if codec == "av1" else attempts), codec


def test_an_encoder_missing_on_the_worker_fails_its_codec_and_retry_redoes_only_its_chunks(
        worker, clips, settings, tmp_path, admin_client):
    multicodec_profile(codecs={"av1": True, "hevc": False}, name="Test: H.264 + AV1")
    settings.FFMPEG_BINARY, flag = map(str, flaky_ffmpeg(tmp_path, fail_when="libsvtav1",
                                                         message="Unknown encoder 'libsvtav1'"))
    job = transcode(clips.silent, name="Missing", timeout=180)
    assert job.status == TranscodeJob.Status.DONE, job.error
    av1 = job.ladders.get(codec="av1")
    assert av1.status == CodecLadder.Status.FAILED
    assert "libsvtav1 encoder is missing" in av1.error, av1.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY
    before = {c.pk: (c.codec, c.attempts) for c in job.chunks.all()}

    Path(flag).unlink()  # the worker gets its encoder
    response = admin_client.post(reverse("admin:transcoding_transcodejob_changelist"),
                                 {"action": "retry", "_selected_action": [job.pk]})
    assert response.status_code == 302
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done",
                                                       ladders__codec="av1", ladders__status="done").first(),
                   timeout=180, what="the AV1 ladder after Retry")
    after = {c.pk: c.attempts for c in job.chunks.all()}
    for pk, (codec, attempts) in before.items():
        assert after[pk] == (attempts + 1 if codec == "av1" else attempts), codec
    assert set(job.renditions.filter(kind="video").values_list("codec", flat=True)) == {"h264", "av1"}
