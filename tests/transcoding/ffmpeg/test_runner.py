"""ffmpeg.run never leaves a process behind, and a stalled ffmpeg fails its
attempt with a reason instead of holding a chunk "running" for ever."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from dramatiq.middleware.time_limit import TimeLimitExceeded

from transcoding import ffmpeg


def ffmpeg_children() -> list[tuple[int, str]]:
    """This process's ffmpeg children, zombies included: (pid, state)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if comm == "ffmpeg" and int(ppid) == os.getpid():
            found.append((int(name), state))
    return found


def long_encode(tmp_path: Path) -> list[str]:
    # Minutes of work at this size: it is always still running when the test interrupts it.
    return ffmpeg.clip_args(output=tmp_path / "long.mp4", size="1280x720", seconds=600, audio=False)


class Cancelled(Exception):
    pass


@pytest.mark.parametrize("interruption", [Cancelled, TimeLimitExceeded], ids=["callback-raises", "time-limit"])
def test_whatever_interrupts_a_run_ffmpeg_is_killed_and_reaped(tmp_path, interruption):
    calls = []

    def on_frames(done: int) -> None:
        calls.append(done)
        assert ffmpeg_children(), "ffmpeg runs while it reports progress"
        raise interruption()

    started = time.monotonic()
    with pytest.raises(interruption):
        ffmpeg.run(long_encode(tmp_path), on_frames=on_frames, every=0)
    assert calls, "the callback ran"
    assert time.monotonic() - started < 30
    assert ffmpeg_children() == [], "no ffmpeg left running, and none left as a zombie"


def test_a_stalled_ffmpeg_is_killed_and_the_attempt_fails_with_a_reason(tmp_path):
    fifo = tmp_path / "never-written.mp4"
    os.mkfifo(fifo)  # opening it blocks until a writer comes: ffmpeg makes no progress at all
    started = time.monotonic()
    with pytest.raises(ffmpeg.MediaError) as caught:
        ffmpeg.run(ffmpeg.remux_args(input_path=fifo, output=tmp_path / "out.mp4"), stall=2)
    elapsed = time.monotonic() - started
    assert 2 <= elapsed < 10
    assert caught.value.retryable
    assert "ffmpeg made no progress for 2 s and was stopped" in caught.value.message
    assert ffmpeg_children() == []


def test_a_run_that_makes_progress_is_never_taken_for_a_stall(tmp_path):
    """Audio-only runs advance no frame count: their out_time counts as progress."""
    out = tmp_path / "tone.m4a"
    ffmpeg.run(ffmpeg.tone_args(output=out, seconds=120), stall=1)
    assert out.stat().st_size > 0
    clip = tmp_path / "clip.mp4"
    ffmpeg.run(ffmpeg.clip_args(output=clip, size="320x180", seconds=8), stall=1)
    assert ffmpeg.probe(ffmpeg.MediaInput.local(clip)).frames == 240
