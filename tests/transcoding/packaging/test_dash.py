"""The MPD renderer: structure checked by parsing the XML back, timing from
real segments checked against ffmpeg's own HLS playlist."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from tests.transcoding.cmaf_media import make_source, package_audio, package_video
from transcoding.packaging.dash import (
    MPD_NS,
    AudioRepresentation,
    AudioSet,
    BaseUrl,
    Presentation,
    Segment,
    SegmentFiles,
    Steering,
    TextTrack,
    VideoRepresentation,
    VideoSet,
    iso_duration,
    render_mpd,
    video_set,
)

NS = {"d": MPD_NS}


def _files(name: str, durations: list[int], timescale: int = 15360, start: int = 0) -> SegmentFiles:
    segs, t = [], start
    for d in durations:
        segs.append(Segment(t, d))
        t += d
    return SegmentFiles(f"{name}/init.mp4", f"{name}/seg_$Number%05d$.m4s", timescale, tuple(segs))


def _video(name: str, height: int, bandwidth: int, codecs: str, durations=(30720, 30720, 15360)) -> VideoRepresentation:
    return VideoRepresentation(name, bandwidth, height * 16 // 9 // 2 * 2, height, Fraction(30), codecs,
                               _files(name, list(durations)))


def _presentation(**kw) -> Presentation:
    h264 = video_set([_video("v360", 360, 800_000, "avc1.64001e"), _video("v180", 180, 300_000, "avc1.64000d")])
    av1 = video_set([_video("a360", 360, 500_000, "av01.0.04M.08")])
    audio = AudioSet("en", 2, (AudioRepresentation("aud_en", 96_000, "mp4a.40.2", 48000,
                                                   _files("aud_en", [96000, 96000, 48000], 48000)),),
                     label="English", main=True)
    text = (TextTrack("sub_en", "en", "subs/en.vtt", "subtitle"), TextTrack("cc_en", "en", "subs/en_cc.vtt", "caption"),
            TextTrack("forced_fr", "fr", "subs/fr_forced.vtt", "forced-subtitle"))
    args = dict(duration=Fraction(5), video=(h264, av1), audio=(audio,), text=text)
    args.update(kw)
    return Presentation(**args)


def test_iso_durations():
    assert iso_duration(0) == "PT0S"
    assert iso_duration(4) == "PT4S"
    assert iso_duration(Fraction(7, 2)) == "PT3.5S"
    assert iso_duration(3723.25) == "PT1H2M3.25S"
    assert iso_duration(Fraction(1001, 30000)) == "PT0.033S"
    with pytest.raises(ValueError):
        iso_duration(-1)


def test_structure_of_a_static_mpd():
    bases = (BaseUrl("https://edge-1.example/t/tok1/title/", "edge"),
             BaseUrl("https://edge-2.example/t/tok2/title/", "zone-b"),
             BaseUrl("https://origin.example/t/tok3/title/", "origin"))
    root = ET.fromstring(render_mpd(_presentation(base_urls=bases)))
    assert root.tag == f"{{{MPD_NS}}}MPD"
    assert root.get("type") == "static" and root.get("profiles") == "urn:mpeg:dash:profile:isoff-live:2011"
    assert root.get("mediaPresentationDuration") == "PT5S" and root.get("minBufferTime") == "PT2S"
    assert [(b.text, b.get("serviceLocation")) for b in root.findall("d:BaseURL", NS)] == \
        [(b.url, b.service_location) for b in bases]
    assert root.find("d:ContentSteering", NS) is None  # not unless asked for
    periods = root.findall("d:Period", NS)
    assert len(periods) == 1
    sets = periods[0].findall("d:AdaptationSet", NS)
    assert [s.get("contentType") for s in sets] == ["video", "video", "audio", "text", "text", "text"]
    assert len({s.get("id") for s in sets}) == len(sets)

    h264 = sets[0]
    assert (h264.get("mimeType"), h264.get("segmentAlignment"), h264.get("startWithSAP")) == ("video/mp4", "true", "1")
    assert (h264.get("maxWidth"), h264.get("maxHeight"), h264.get("maxFrameRate")) == ("640", "360", "30")
    reps = h264.findall("d:Representation", NS)
    assert [(r.get("id"), r.get("bandwidth"), r.get("codecs"), r.get("height"), r.get("frameRate"), r.get("sar"))
            for r in reps] == [("v180", "300000", "avc1.64000d", "180", "30", "1:1"),
                               ("v360", "800000", "avc1.64001e", "360", "30", "1:1")]
    template = reps[1].find("d:SegmentTemplate", NS)
    assert template.attrib == {"timescale": "15360", "presentationTimeOffset": "0", "initialization": "v360/init.mp4",
                               "media": "v360/seg_$Number%05d$.m4s", "startNumber": "0"}
    assert [s.attrib for s in template.findall("d:SegmentTimeline/d:S", NS)] == \
        [{"t": "0", "d": "30720", "r": "1"}, {"t": "61440", "d": "15360"}]
    assert sets[1].find("d:Representation", NS).get("codecs") == "av01.0.04M.08"

    audio = sets[2]
    assert (audio.get("mimeType"), audio.get("lang")) == ("audio/mp4", "en")
    assert audio.find("d:Label", NS).text == "English"
    assert audio.find("d:Role", NS).get("value") == "main"
    channels = audio.find("d:AudioChannelConfiguration", NS)
    assert channels.attrib == {"schemeIdUri": "urn:mpeg:dash:23003:3:audio_channel_configuration:2011", "value": "2"}
    assert audio.find("d:Representation", NS).get("audioSamplingRate") == "48000"

    texts = [(s.get("mimeType"), s.get("lang"), s.find("d:Role", NS).get("value"),
              s.find("d:Representation/d:BaseURL", NS).text) for s in sets[3:]]
    assert texts == [("text/vtt", "en", "subtitle", "subs/en.vtt"), ("text/vtt", "en", "caption", "subs/en_cc.vtt"),
                     ("text/vtt", "fr", "forced-subtitle", "subs/fr_forced.vtt")]


def test_steering_rendered_when_asked():
    steering = Steering("https://steer.example/dash?session=a&b=c", ("edge", "origin"), query_before_start=True)
    root = ET.fromstring(render_mpd(_presentation(base_urls=(BaseUrl("https://e/t/x/", "edge"),), steering=steering)))
    node = root.find("d:ContentSteering", NS)
    assert node.text == "https://steer.example/dash?session=a&b=c"
    assert node.attrib == {"defaultServiceLocation": "edge origin", "queryBeforeStart": "true"}


def test_xml_is_escaped():
    hostile = 'https://e.example/t/a&b<c>"d\'/'
    label = 'Fran\u00e7ais & "VF" <dub>'
    audio = AudioSet("fr", 2, (AudioRepresentation("a&b", 96_000, "mp4a.40.2", 48000, _files("a&b", [96000], 48000)),),
                     label=label)
    text = render_mpd(_presentation(base_urls=(BaseUrl(hostile, "edge"),), audio=(audio,)))
    assert "a&b<c>" not in text
    root = ET.fromstring(text)
    assert root.find("d:BaseURL", NS).text == hostile
    aset = root.find("d:Period/d:AdaptationSet[@contentType='audio']", NS)
    assert aset.find("d:Label", NS).text == label
    assert aset.find("d:Representation", NS).get("id") == "a&b"


def test_timeline_keeps_gaps_and_offsets():
    rep = VideoRepresentation("v", 1, 320, 180, Fraction(30000, 1001), "avc1.64000d",
                              SegmentFiles("v/init.mp4", "v/seg_$Number%05d$.m4s", 90000, (
                                  Segment(90000, 180180), Segment(270180, 180180), Segment(460000, 90000))))
    root = ET.fromstring(render_mpd(Presentation(Fraction(5), (VideoSet((rep,)),))))
    template = root.find(".//d:SegmentTemplate", NS)
    assert template.get("presentationTimeOffset") == "90000"  # timestamps start at 1 s, presentation at 0
    assert [s.attrib for s in template.findall("d:SegmentTimeline/d:S", NS)] == \
        [{"t": "90000", "d": "180180", "r": "1"}, {"t": "460000", "d": "90000"}]
    assert root.find(".//d:Representation", NS).get("frameRate") == "30000/1001"


def test_refusals():
    with pytest.raises(ValueError, match="must end with '/'"):
        render_mpd(_presentation(base_urls=(BaseUrl("https://e.example/t/tok", "edge"),)))
    with pytest.raises(ValueError, match="text role"):
        render_mpd(_presentation(text=(TextTrack("t", "en", "en.vtt", "commentary"),)))
    with pytest.raises(ValueError, match="one AdaptationSet per codec"):
        video_set([_video("a", 360, 1, "avc1.64001e"), _video("b", 360, 1, "av01.0.04M.08")])
    with pytest.raises(ValueError, match="at least one video"):
        render_mpd(Presentation(Fraction(1), ()))


def test_measured_timeline_matches_the_hls_playlist(tmp_path):
    """5 s at 2 s segments: 2 + 2 + 1 s, as ffmpeg's own playlist says."""
    source = make_source(tmp_path / "src.mkv", seconds=5, size="320x180")
    out = tmp_path / "title"
    video = package_video(out, source, "v180", "h264", width=320, height=180, bitrate=300_000)
    audio = package_audio(out, source, "aud_en", 0)
    assert video.files.timescale == 15360 and audio.files.timescale == 48000
    for rendition in (video, audio):
        measured = [Fraction(s.duration, rendition.files.timescale) for s in rendition.files.segments]
        assert len(measured) == len(rendition.hls_durations) == 3
        assert all(abs(m - h) < Fraction(1, 1000) for m, h in zip(measured, rendition.hls_durations, strict=True))
        starts = [s.start for s in rendition.files.segments]
        assert starts == sorted(starts)
    assert [Fraction(s.duration, 15360) for s in video.files.segments] == [2, 2, 1]
    assert abs(audio.seconds - 5) < Fraction(1, 20)


def test_one_media_origin_for_audio_and_video():
    """Video from 1 s, audio from 0.99 s (priming): both templates offset by
    the same 0.99 s, so their 10 ms relative offset survives, as in HLS."""
    video = VideoRepresentation("v", 1, 320, 180, Fraction(30), "avc1.64000d", _files("v", [30720], 15360, start=15360))
    audio = AudioSet("en", 2, (AudioRepresentation("a", 1, "mp4a.40.2", 48000, _files("a", [96000], 48000, start=47520)),))
    root = ET.fromstring(render_mpd(Presentation(Fraction(2), (VideoSet((video,)),), (audio,))))
    offsets = [int(t.get("presentationTimeOffset")) / int(t.get("timescale")) for t in root.iter(f"{{{MPD_NS}}}SegmentTemplate")]
    assert offsets == [pytest.approx(0.99, abs=1 / 15360), 0.99]
    explicit = ET.fromstring(render_mpd(Presentation(Fraction(2), (VideoSet((video,)),), (audio,), media_start=Fraction(1))))
    assert [t.get("presentationTimeOffset") for t in explicit.iter(f"{{{MPD_NS}}}SegmentTemplate")] == ["15360", "48000"]
