"""The vendored hls.js and its one patch (static/vendor/hls.js-1.7.4/PATCHES.md)."""
from __future__ import annotations

from pathlib import Path

HLS_LOCAL = Path(__file__).resolve().parents[1] / "static" / "vendor" / "hls.js-1.7.4" / "hls.min.js"

# Upstream scans AV1 samples for H.264 caption SEI; the patch gives the scan no context unless AVC/HEVC/DV.
SEI_UPSTREAM = ("tracks:dt(t.samples,r,i,n,{isHEVCFlavor:ft(t.codec),samples:a,timeOffset:e,"
                "timescale:t.timescale,trackId:t.id})")
SEI_PATCHED = ('tracks:dt(t.samples,r,i,n,/^(avc|hvc|hev|dv)/.test(t.codec||"")?{isHEVCFlavor:ft(t.codec),'
               "samples:a,timeOffset:e,timescale:t.timescale,trackId:t.id}:void 0)")


def upstream_body() -> bytes:
    """hls.min.js as npm's hls.js@1.7.4 ships it: the vendored copy with the patch undone."""
    text = HLS_LOCAL.read_text()
    assert text.count(SEI_PATCHED) == 1, "the vendored hls.js does not carry the documented patch once"
    return text.replace(SEI_PATCHED, SEI_UPSTREAM).encode()
