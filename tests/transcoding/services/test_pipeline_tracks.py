"""A source with two audio languages and an embedded subtitle stream, plus
an uploaded SRT in a third language, through the real pipeline: every
track arrives with its language, each audio track is encoded once and
loudness-normalised, and the subtitle segments' X-TIMESTAMP-MAP carries
the first frame's media time measured in the packaged video."""
from __future__ import annotations

import re

from catalog.models import AudioTrack, TextTrack
from catalog.services import text_track_upload
from tests.fixtures.broker import wait_for
from tests.fixtures.package import download_package
from tests.fixtures.tracks import FRENCH_SRT
from transcoding import ffmpeg
from transcoding.models import Rendition, TranscodeJob


def _loudness(folder) -> float:
    """Integrated loudness (LUFS) of a packaged audio rendition: its init and
    segments joined make one fragmented MP4."""
    joined = folder / "joined.mp4"
    with joined.open("wb") as out:
        out.write((folder / "init.mp4").read_bytes())
        for seg in sorted(folder.glob("seg_*.m4s")):
            out.write(seg.read_bytes())
    report = ffmpeg.run(ffmpeg.loudness_measure_args(source=ffmpeg.MediaInput.local(joined), stream=None,
                                                     target=-23, true_peak=-1, lra=20), verbosity="info")
    return float(ffmpeg.loudness_report(report)["input_i"])


def test_two_audio_languages_embedded_and_uploaded_subtitles(run_transcode, multitrack_source, tmp_path):
    job = run_transcode(multitrack_source)
    assert job.status == TranscodeJob.Status.DONE, job.error
    info = job.source_info
    assert [(s["index"], s["language"]) for s in info["audio_streams"]] == [(1, "eng"), (2, "deu")]
    assert [(s["codec"], s["language"], s["text"]) for s in info["subtitle_streams"]] == [("mov_text", "eng", True)]
    video = job.video
    assert [(t.language, t.status, t.stream_index) for t in AudioTrack.objects.filter(video=video)] == \
        [("en", "ready", 1), ("de", "ready", 2)]
    embedded = TextTrack.objects.get(video=video)
    assert (embedded.language, embedded.kind, embedded.source, embedded.cue_count) == ("en", "subtitles",
                                                                                         "embedded", 2)
    audio = {r.name: r for r in Rendition.objects.filter(job=job, kind="audio")}
    assert {n: (r.language, r.is_default) for n, r in audio.items()} == {"audio": ("en", True),
                                                                         "audio2": ("de", False)}
    # A staff upload after the transcode: packaged by the worker, the stored manifests rewritten.
    text_track_upload(video=video, data=FRENCH_SRT.encode(), filename="fr.srt", language="fr")
    wait_for(lambda: 'LANGUAGE="fr"' in _stored_master(video), timeout=60, what="the French track in the master")
    pkg = download_package(video, tmp_path / "pkg")
    master = (pkg / "master.m3u8").read_text()
    print(master)
    audio_lines = [line for line in master.splitlines() if "TYPE=AUDIO" in line]
    assert len(audio_lines) == 2 and sum("DEFAULT=YES" in line for line in audio_lines) == 1
    assert 'LANGUAGE="en"' in audio_lines[0] and "DEFAULT=YES" in audio_lines[0]
    assert 'LANGUAGE="de"' in audio_lines[1] and 'URI="audio2/index.m3u8"' in audio_lines[1]
    subs = [line for line in master.splitlines() if "TYPE=SUBTITLES" in line]
    assert [re.search(r'LANGUAGE="([^"]+)"', line)[1] for line in subs] == ["en", "fr"]
    assert all("DEFAULT=NO" in line for line in subs), "subtitles are off unless the viewer asks"
    assert all('SUBTITLES="subs"' in line for line in master.splitlines() if line.startswith("#EXT-X-STREAM-INF"))
    # X-TIMESTAMP-MAP: the first frame's media time, measured in the packaged video, in 90 kHz ticks.
    job.refresh_from_db()
    first_frame = ffmpeg.first_pts(pkg / "v360" / "index.m3u8")
    assert abs(first_frame - job.media_start) < 1e-6
    fr = TextTrack.objects.get(video=video, language="fr")
    segment = (pkg / fr.ladder_name / "seg_00001.vtt").read_text()
    assert f"X-TIMESTAMP-MAP=MPEGTS:{round(first_frame * 90000)},LOCAL:00:00:00.000" in segment
    assert "00:00:02.000 --> 00:00:05.000\nBonjour" in segment
    print(f"measured media start {first_frame:.6f} s")
    mpd = (pkg / "manifest.mpd").read_text()
    assert 'lang="de"' in mpd and 'lang="fr"' in mpd and 'mimeType="text/vtt"' in mpd
    assert (pkg / f"{fr.ladder_name}.vtt").read_text().startswith("WEBVTT")
    # Loudness: each track measured, then normalised to the target.
    for name, r in audio.items():
        assert r.loudness["target"] == -23 and r.loudness["input_i"] is not None
        out = _loudness(pkg / name)
        print(f"{name} ({r.language}): source {r.loudness['input_i']} LUFS -> packaged {out:.1f} LUFS")
        assert abs(out - (-23)) < 1.0, out


def _stored_master(video) -> str:
    from django.core.files.storage import default_storage

    try:  # storage.put replaces a file by deleting it first: a rewrite can be caught in between
        with default_storage.open(f"{video.ladder_prefix}/master.m3u8") as fh:
            return fh.read().decode()
    except FileNotFoundError:
        return ""


def test_uploaded_dub_is_aligned_to_the_video(run_transcode, clips, tmp_path):
    """A dub shorter than the video, uploaded once the video plays: encoded
    into its ladder as one more language (the video is not transcoded
    again), starting with the first frame and padded with silence to the
    video's length; the stored master lists it."""
    from django.core.files import File

    from catalog.services import audio_track_upload

    job = run_transcode(clips.motion)
    video = job.video
    dub = tmp_path / "dub-es.m4a"
    ffmpeg.run(ffmpeg.tone_args(output=dub, seconds=3, frequency=300))
    with dub.open("rb") as fh:
        track = audio_track_upload(video=video, file=File(fh, name="dub-es.m4a"), language="spa", name="Español")
    wait_for(lambda: AudioTrack.objects.filter(pk=track.pk, status="ready").exists(), timeout=120,
             what="the dub packaged")
    assert TranscodeJob.objects.filter(video=video).count() == 1, "no second transcode"
    rows = {r.name: r for r in Rendition.objects.filter(job=job, kind="audio")}
    assert {n: r.language for n, r in rows.items()} == {"audio": "und", "audio2": "es"}
    assert rows["audio2"].label == "Español" and not rows["audio2"].is_default
    assert abs(rows["audio2"].loudness["input_i"] - (-23)) < 30
    wait_for(lambda: 'LANGUAGE="es"' in _stored_master(video), timeout=30, what="the dub in the stored master")
    pkg = download_package(video, tmp_path / "pkg")
    video_start = ffmpeg.first_pts(pkg / "v360" / "index.m3u8")
    dub_start = ffmpeg.first_pts(pkg / "audio2" / "index.m3u8", stream="a:0")
    assert abs(dub_start - video_start) < 0.03, (dub_start, video_start)
    seconds = sum(s.duration for s in __import__("m3u8").load(str(pkg / "audio2" / "index.m3u8")).segments)
    assert abs(seconds - video.duration) < 0.1, (seconds, video.duration)
    print(f"dub: starts at {dub_start:.4f} s (video {video_start:.4f} s), lasts {seconds:.3f} s "
          f"(video {video.duration} s), packaged at {_loudness(pkg / 'audio2'):.1f} LUFS")


def test_retry_redoes_only_the_missing_audio_track(run_transcode, multitrack_source, monkeypatch):
    """The German track's encode fails once, after everything else is done:
    the job fails with the reason; Retry encodes that track alone (the
    English one and the video chunks are not done again) and the title gets
    both languages."""
    import time

    from transcoding.models import Chunk
    from transcoding.services import job_retry

    real = ffmpeg.audio_args
    calls: list[int | None] = []

    def flaky(**kwargs):
        calls.append(kwargs.get("stream"))
        if kwargs.get("stream") == 2 and calls.count(2) == 1:
            mine = Chunk.objects.get(kind="audio", index=1, status="running")
            others = Chunk.objects.filter(job_id=mine.job_id).exclude(pk=mine.pk)
            deadline = time.monotonic() + 120
            while others.exclude(status="done").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            raise ffmpeg.MediaError("The German track could not be decoded (test).")
        return real(**kwargs)

    monkeypatch.setattr(ffmpeg, "audio_args", flaky)
    job = run_transcode(multitrack_source, name="Flaky audio")
    assert job.status == TranscodeJob.Status.FAILED and "German track" in job.error, job.error
    attempts = {(c.kind, c.index): c.attempts for c in job.chunks.all()}
    job_retry(job=job)
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status=TranscodeJob.Status.DONE).first(),
                   timeout=120, what="the retried job")
    after = {(c.kind, c.index): c.attempts for c in Chunk.objects.filter(job=job)}
    redone = {key for key in after if after[key] != attempts[key]}
    assert redone == {("audio", 1)}, (attempts, after)
    assert calls == [1, 2, 2] or sorted(calls) == [1, 2, 2], calls
    assert {r.language for r in Rendition.objects.filter(job=job, kind="audio")} == {"en", "de"}
