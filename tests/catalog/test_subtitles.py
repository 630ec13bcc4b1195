"""Uploaded subtitle files as staff really send them: wrong encodings,
Windows line ends, SRT habits in WebVTT files and the reverse. Fixtures are
written out by hand so each defect sits on a known line; ffmpeg, the
reference reader, checks what we write."""
from __future__ import annotations

import codecs
import random
import subprocess
from pathlib import Path

import pytest

from catalog.subtitles import (
    Cue,
    SubtitleError,
    language_name,
    language_tag_normalise,
    subtitle_file_read,
    webvtt_render,
)

CLEAN_SRT = """1
00:00:01,000 --> 00:00:03,500
Hello, Mr. Müller.

2
00:00:04,000 --> 00:00:06,000
<i>Where is everyone?</i>
Over here!
"""


def srt(text: str) -> bytes:
    return text.encode("utf-8")


def times(doc) -> list[tuple[int, int]]:
    return [(c.start_ms, c.end_ms) for c in doc.cues]


def warning_with(doc, words: str) -> str:
    found = [w for w in doc.warnings if words in w]
    assert found, f"no warning mentions {words!r}: {doc.warnings}"
    return found[0]


def ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *args],
                          capture_output=True, text=True, timeout=60)


# --- decoding ---------------------------------------------------------------


def test_clean_srt_reads_without_warnings():
    doc = subtitle_file_read(srt(CLEAN_SRT))
    assert (doc.source_format, doc.encoding, doc.warnings) == ("srt", "utf-8", [])
    assert times(doc) == [(1000, 3500), (4000, 6000)]
    assert doc.cues[1].lines == ("<i>Where is everyone?</i>", "Over here!")
    assert doc.cues[0].identifier == ""


def test_bom_and_crlf_are_invisible():
    data = codecs.BOM_UTF8 + CLEAN_SRT.replace("\n", "\r\n").encode()
    doc = subtitle_file_read(data)
    assert doc.encoding == "utf-8-sig"
    assert doc.warnings == []
    assert doc.cues[0].lines == ("Hello, Mr. Müller.",)


def test_line_numbers_count_crlf_and_bare_cr_as_one_line():
    broken = CLEAN_SRT.replace("00:00:04,000 --> 00:00:06,000", "00:00:04,000 --> 00:00:0x")
    for ending in ("\r\n", "\r"):
        with pytest.raises(SubtitleError) as caught:
            subtitle_file_read(broken.replace("\n", ending).encode())
        assert caught.value.line == 6


def test_latin1_file_is_read_as_windows_1252_with_a_warning_on_the_first_odd_line():
    data = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03,000 --> 00:00:04,000\nHerr Müller – ça va?\n"
    doc = subtitle_file_read(data.encode("cp1252"))
    assert doc.encoding == "cp1252"
    assert doc.cues[1].lines == ("Herr Müller – ça va?",)
    warning = warning_with(doc, "Windows-1252")
    assert warning.startswith("Line 7: ")


def test_bytes_windows_1252_leaves_undefined_fall_back_to_latin1():
    data = b"1\n00:00:01,000 --> 00:00:02,000\nM\xfcller \x81\n"
    doc = subtitle_file_read(data)
    assert doc.encoding == "latin-1"
    assert doc.cues[0].lines == ("Müller \x81",)


@pytest.mark.parametrize("bom, codec, name", [
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
])
def test_utf16_with_bom(bom, codec, name):
    doc = subtitle_file_read(bom + CLEAN_SRT.replace("\n", "\r\n").encode(codec))
    assert doc.encoding == name
    assert doc.warnings == []
    assert doc.cues[0].lines == ("Hello, Mr. Müller.",)


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n"])
def test_empty_file_is_refused(data):
    with pytest.raises(SubtitleError, match="empty|blank lines") as caught:
        subtitle_file_read(data)
    assert caught.value.line is None


def test_binary_file_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256))
    with pytest.raises(SubtitleError, match="not a text file"):
        subtitle_file_read(png, filename="subs.srt")


def test_size_limit():
    with pytest.raises(SubtitleError, match="The file is 122 bytes, over the 100 bytes limit"):
        subtitle_file_read(srt(CLEAN_SRT), max_bytes=100)
    with pytest.raises(SubtitleError, match=r"The file is 5\.0 MiB, over the 5\.0 MiB limit"):
        subtitle_file_read(srt(CLEAN_SRT) + b" " * (5 * 1024 * 1024))


def test_cue_limit_names_the_first_cue_too_many():
    with pytest.raises(SubtitleError, match="more than 1 cues") as caught:
        subtitle_file_read(srt(CLEAN_SRT), max_cues=1)
    assert caught.value.line == 6


def test_text_without_any_timing_is_refused():
    with pytest.raises(SubtitleError, match="no subtitles"):
        subtitle_file_read(b"Dear staff,\nplease find attached the subtitles.\n")


def test_other_subtitle_formats_are_named():
    with pytest.raises(SubtitleError, match="SSA/ASS"):
        subtitle_file_read(b"[Script Info]\nTitle: x\n")


# --- timestamps ---------------------------------------------------------------


GARBAGE_AT_14 = """1
00:00:01,000 --> 00:00:02,000
One

2
00:00:02,500 --> 00:00:03,000
Two

3
00:00:03,500 --> 00:00:04,000
Three

4
00:00:05,000 -> 00:00:0x
Four
"""


def test_garbage_timestamp_names_its_line():
    with pytest.raises(SubtitleError) as caught:
        subtitle_file_read(srt(GARBAGE_AT_14))
    assert caught.value.line == 14
    assert str(caught.value).startswith("Line 14: the timestamp '00:00:05,000 -> 00:00:0x' cannot be read.")


def test_comma_in_webvtt_is_repaired_once_with_a_count():
    doc = subtitle_file_read(b"WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nA\n\n00:00:03,000 --> 00:00:04,250\nB\n")
    assert times(doc) == [(1000, 2000), (3000, 4250)]
    warning = warning_with(doc, "comma")
    assert warning.startswith("Line 3: ") and "on 1 more line." in warning


def test_missing_and_one_digit_hours_in_srt():
    doc = subtitle_file_read(srt("1\n00:01,500 --> 0:00:02,250\nShort\n"))
    assert times(doc) == [(1500, 2250)]
    assert warning_with(doc, "no hours").startswith("Line 2: ")
    assert warning_with(doc, "one digit").startswith("Line 2: ")


def test_missing_hours_are_plain_webvtt():
    doc = subtitle_file_read(b"WEBVTT\n\n01:02.500 --> 01:04.000\nFine\n")
    assert times(doc) == [(62500, 64000)]
    assert doc.warnings == []


def test_missing_digits_are_read_as_decimals():
    doc = subtitle_file_read(srt("1\n00:00:5,5 --> 00:00:07\nX\n"))
    assert times(doc) == [(5500, 7000)]
    warning_with(doc, "missing digits")


def test_short_arrow_is_accepted_with_a_warning():
    doc = subtitle_file_read(srt("1\n00:00:01,000 -> 00:00:02,000\nX\n"))
    assert times(doc) == [(1000, 2000)]
    warning_with(doc, "'->'")


def test_end_before_start_is_refused_not_swapped():
    with pytest.raises(SubtitleError, match=r"ends \(00:00:02.000\) before it starts \(00:00:05.000\)") as caught:
        subtitle_file_read(srt("1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:05,000 --> 00:00:02,000\nB\n"))
    assert caught.value.line == 6


def test_seventy_five_minutes_is_refused():
    with pytest.raises(SubtitleError, match="more than 59") as caught:
        subtitle_file_read(srt("1\n00:75:00,000 --> 00:76:00,000\nX\n"))
    assert caught.value.line == 2


# --- cue structure ------------------------------------------------------------


def test_overlapping_cues_are_kept_and_reported():
    doc = subtitle_file_read(srt(
        "1\n00:00:01,000 --> 00:00:04,000\nFirst speaker\n\n2\n00:00:03,000 --> 00:00:05,000\nSecond speaker\n"
    ))
    assert times(doc) == [(1000, 4000), (3000, 5000)]
    assert warning_with(doc, "both show at once").startswith("Line 6: ")


def test_cues_are_sorted_by_start():
    doc = subtitle_file_read(srt("1\n00:00:05,000 --> 00:00:06,000\nLater\n\n2\n00:00:01,000 --> 00:00:02,000\nSooner\n"))
    assert [c.lines[0] for c in doc.cues] == ["Sooner", "Later"]
    assert warning_with(doc, "time order").startswith("Line 6: ")


def test_empty_zero_length_and_repeated_cues_are_removed():
    doc = subtitle_file_read(srt(
        "1\n00:00:01,000 --> 00:00:02,000\nKept\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\n<i> </i>\n\n"
        "3\n00:00:05,000 --> 00:00:05,000\nNever seen\n\n"
        "4\n00:00:01,000 --> 00:00:02,000\nKept\n"
    ))
    assert [c.lines for c in doc.cues] == [("Kept",)]
    assert warning_with(doc, "no text").startswith("Line 6: ")
    assert warning_with(doc, "never show").startswith("Line 10: ")
    assert warning_with(doc, "repeats").startswith("Line 14: ")


def test_only_empty_cues_is_refused():
    with pytest.raises(SubtitleError, match="Every cue in the file is empty"):
        subtitle_file_read(srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}\n"))


def test_missing_blank_line_between_srt_cues():
    doc = subtitle_file_read(srt("1\n00:00:01,000 --> 00:00:02,000\nOne\n2\n00:00:03,000 --> 00:00:04,000\nTwo\n"))
    assert [c.lines for c in doc.cues] == [("One",), ("Two",)]
    assert warning_with(doc, "blank line was missing").startswith("Line 5: ")


def test_blank_line_inside_a_cue_keeps_its_text():
    doc = subtitle_file_read(srt("1\n00:00:01,000 --> 00:00:02,000\nFirst half\n\nsecond half\n\n"
                                 "2\n00:00:03,000 --> 00:00:04,000\nNext\n"))
    assert doc.cues[0].lines == ("First half", "second half")
    assert warning_with(doc, "added to the cue above").startswith("Line 5: ")


def test_numbered_srt_cue_without_times_is_refused():
    with pytest.raises(SubtitleError, match="cue 2 has no timing line") as caught:
        subtitle_file_read(srt("1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\nTwo\n"))
    assert caught.value.line == 5


# --- WebVTT specifics -------------------------------------------------------------


WEBVTT_FULL = """WEBVTT - made by hand
Kind: captions

STYLE
::cue { background-image: url(https://tracker.example/pixel.png) }

REGION
id:bill width:40%

NOTE checked by the subtitler

intro
00:00:01.000 --> 00:00:02.000 line:0 align:left position:10%,line-left region:bill
<v Bill>Hi</v>

intro
00:00:03.000 --> 00:00:04.000 size:150% vertical:rl
Again
"""


def test_webvtt_names_settings_and_blocks():
    doc = subtitle_file_read(srt(WEBVTT_FULL))
    assert doc.source_format == "vtt"
    first, second = doc.cues
    assert (first.identifier, first.settings) == ("intro", "line:0 align:left position:10%,line-left")
    assert first.lines == ("<v Bill>Hi</v>",)
    assert (second.identifier, second.settings) == ("", "vertical:rl")
    assert warning_with(doc, "STYLE block").startswith("Line 4: ")
    assert warning_with(doc, "REGION block").startswith("Line 7: ")
    assert warning_with(doc, "'region'").startswith("Line 13: ")
    assert warning_with(doc, "size:150%").startswith("Line 17: ")
    assert warning_with(doc, "already used").startswith("Line 16: ")
    assert not any("NOTE" in w for w in doc.warnings)
    assert "tracker" not in doc.webvtt()


def test_uploaded_timestamp_map_is_reported():
    doc = subtitle_file_read(b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n00:01.000 --> 00:02.000\nX\n")
    assert warning_with(doc, "X-TIMESTAMP-MAP").startswith("Line 2: ")


def test_file_name_only_settles_a_file_without_header():
    headerless = b"00:00:01.000 --> 00:00:02.000 line:0\nX\n"
    assert subtitle_file_read(headerless, filename="film.vtt").cues[0].settings == "line:0"
    as_srt = subtitle_file_read(headerless, filename="film.srt")
    assert as_srt.source_format == "srt" and as_srt.cues[0].settings == ""
    misnamed = subtitle_file_read(b"WEBVTT\n\n00:01.000 --> 00:02.000\nX\n", filename="film.srt")
    assert misnamed.source_format == "vtt"
    warning_with(misnamed, "named .srt")


# --- cue text -------------------------------------------------------------------


def test_srt_font_and_position_codes():
    doc = subtitle_file_read(srt('1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<font color="#ffff00">Sign</font> '
                                 '{\\i1}here{\\i0}\n'))
    cue = doc.cues[0]
    assert cue.lines == ("Sign <i>here</i>",)
    assert cue.settings == "line:0"
    warning_with(doc, "<font>")
    warning_with(doc, "{\\an8}")


def test_text_is_escaped_but_known_markup_survives():
    doc = subtitle_file_read(srt(
        "1\n00:00:01,000 --> 00:00:02,000\n<v Tom & Jerry &amp; Co>Tom & Jerry <3 &amp; &eacute; &bogus; "
        "<B>bold</B> <c.yellow>c</c></v>\n"
        "a --> b <span>x</span> <00:00:01.500>late\n"
    ))
    assert doc.cues[0].lines == (
        "<v Tom &amp; Jerry &amp; Co>Tom &amp; Jerry &lt;3 &amp; &eacute; &amp;bogus; <b>bold</b> <c.yellow>c</c></v>",
        "a --&gt; b &lt;span&gt;x&lt;/span&gt; <00:00:01.500>late",
    )
    assert warning_with(doc, "<span>").startswith("Line 4: ")


# --- the video's duration ----------------------------------------------------------


def test_cues_past_the_video_end_are_trimmed_or_dropped():
    doc = subtitle_file_read(srt(
        "1\n00:00:01,000 --> 00:00:02,000\nIn\n\n2\n00:00:09,000 --> 00:00:12,000\nAcross the end\n\n"
        "3\n00:00:10,000 --> 00:00:11,000\nAfter\n"
    ), duration=10.0)
    assert times(doc) == [(1000, 2000), (9000, 10000)]
    assert warning_with(doc, "shortened").startswith("Line 6: ")
    assert warning_with(doc, "after the video ends").startswith("Line 10: ")


def test_subtitles_for_another_video_are_refused():
    with pytest.raises(SubtitleError, match="belong to this video"):
        subtitle_file_read(srt("1\n01:00:00,000 --> 01:00:02,000\nX\n"), duration=600.0)


# --- rendering, checked by ffmpeg -------------------------------------------------------


MESSY_SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n{\\an8}<font color=red>Tom & Jerry</font>\r\n\r\n"
    "2\r\n00:00:02.000 --> 00:00:04,000\r\n<i>Overlap</i> a --> b\r\n\r\n"
    "3\r\n00:01:01,5 --> 01:00:02,000\r\nLong <3\r\n"
)


def test_webvtt_render_is_exact():
    doc = subtitle_file_read(MESSY_SRT.encode())
    assert doc.webvtt() == (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:02.500 line:0\nTom &amp; Jerry\n\n"
        "00:00:02.000 --> 00:00:04.000\n<i>Overlap</i> a --&gt; b\n\n"
        "00:01:01.500 --> 01:00:02.000\nLong &lt;3\n"
    )
    assert webvtt_render([Cue(0, 1, ("x",), "id-1", "align:end")]) == (
        "WEBVTT\n\nid-1\n00:00:00.000 --> 00:00:00.001 align:end\nx\n"
    )


def test_ffmpeg_reads_our_webvtt_and_gives_back_the_same_times(tmp_path: Path):
    doc = subtitle_file_read(MESSY_SRT.encode())
    vtt = tmp_path / "out.vtt"
    vtt.write_text(doc.webvtt(), encoding="utf-8")
    decoded = ffmpeg("-i", str(vtt), "-map", "0", "-c:s", "ass", "-f", "null", "-")
    assert decoded.returncode == 0 and decoded.stderr == ""
    converted = ffmpeg("-i", str(vtt), str(tmp_path / "back.srt"))
    assert converted.returncode == 0, converted.stderr
    back = subtitle_file_read((tmp_path / "back.srt").read_bytes(), filename="back.srt")
    assert times(back) == times(doc)
    assert [c.lines for c in back.cues] == [c.lines for c in doc.cues]


def test_srt_written_by_ffmpeg_reads_back_cleanly(tmp_path: Path):
    vtt = tmp_path / "hand.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:00.250 --> 00:00:01.750\nFirst & <b>bold</b>\n\n"
        "cue-2\n00:01:02.003 --> 00:01:04.000 align:left\nSecond\nline\n\n"
        "01:59:59.999 --> 02:00:00.000\nLast\n",
        encoding="utf-8",
    )
    result = ffmpeg("-i", str(vtt), str(tmp_path / "x.srt"))
    assert result.returncode == 0, result.stderr
    doc = subtitle_file_read((tmp_path / "x.srt").read_bytes(), filename="x.srt")
    assert (doc.source_format, doc.warnings) == ("srt", [])
    assert times(doc) == [(250, 1750), (62003, 64000), (7199999, 7200000)]
    assert [c.lines for c in doc.cues] == [("First &amp; <b>bold</b>",), ("Second", "line"), ("Last",)]


def test_damaged_files_are_refused_or_read_into_webvtt_that_reads_back_unchanged():
    """Seeded random damage to the fixtures: nothing but SubtitleError may
    escape, and whatever is accepted must survive a second reading of its
    own output with no further repair (overlaps are reported again)."""
    rng = random.Random(20240611)
    alphabet = "0123456789:,.-> \n\r<>&/{}\\ianbv;#WEBVTTNOTE\t\xa0é"
    accepted = 0
    for _ in range(400):
        text = list(rng.choice([CLEAN_SRT, WEBVTT_FULL, MESSY_SRT, GARBAGE_AT_14]))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text))
            text[at:at + rng.randint(0, 1)] = rng.choice(alphabet)
        data = "".join(text).encode(rng.choice(["utf-8", "cp1252", "utf-16"]), errors="replace")
        try:
            doc = subtitle_file_read(data, duration=rng.choice([None, 3.0]))
        except SubtitleError as exc:
            assert str(exc)
            continue
        accepted += 1
        again = subtitle_file_read(doc.webvtt().encode())
        assert again.cues == doc.cues
        assert all("both show at once" in w for w in again.warnings), again.warnings
    assert accepted > 50


# --- language tags ----------------------------------------------------------------


@pytest.mark.parametrize("raw, canonical", [
    ("en", "en"), ("EN-us", "en-US"), ("pt-BR", "pt-BR"), ("zh-hant", "zh-Hant"), ("ZH-HANT-tw", "zh-Hant-TW"),
    ("es-419", "es-419"), ("und", "und"), ("eng", "en"), ("ger", "de"), ("deu", "de"), ("fre", "fr"),
    ("fra", "fr"), ("spa", "es"), ("hin", "hi"), ("jpn", "ja"), ("chi", "zh"), ("zho", "zh"), ("por", "pt"),
    ("ita", "it"), ("rus", "ru"), ("ara", "ar"), ("dut", "nl"), ("gre", "el"), ("per", "fa"), ("cze", "cs"),
    ("pt_BR", "pt-BR"), ("yue", "yue"), ("fil", "fil"), ("zh-yue", "yue"), ("iw", "he"),
    ("sl-rozaj-biske", "sl-rozaj-biske"), ("de-CH-1901", "de-CH-1901"), ("en-US-x-twain", "en-US-x-twain"),
    ("  fr-CA ", "fr-CA"), ("x-klingon", "x-klingon"),
])
def test_language_tags_are_canonical(raw, canonical):
    assert language_tag_normalise(raw) == canonical


@pytest.mark.parametrize("raw", ["", "e", "english", "en-USA", "en--US", "en-", "12", "de-419-DE-DE", "x", "en_US!"])
def test_malformed_language_tags_are_refused_with_a_hint(raw):
    with pytest.raises(ValueError, match="Use a code such as 'en'"):
        language_tag_normalise(raw)


@pytest.mark.parametrize("tag, name", [
    ("de", "German"), ("ger", "German"), ("pt-BR", "Portuguese (Brazil)"), ("es-419", "Spanish (Latin America)"),
    ("zh-Hant", "Chinese (Traditional)"), ("zh-hant-tw", "Chinese (Traditional, Taiwan)"), ("en-NZ", "English (New Zealand)"),
    ("und", "Unknown language"), ("en-AQ", "English (AQ)"), ("haw", "haw"), ("not a tag", "not a tag"),
])
def test_language_names_for_menus(tag, name):
    assert language_name(tag) == name
