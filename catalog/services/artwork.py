"""Title artwork: staff uploads, a frame of the video by default, generated
pictures for the demo; each cropped to 16:9 and kept in the widths the
cards and heroes ask for (Pillow), under names that change with the image."""
from __future__ import annotations

import hashlib
import io
import logging

from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from streaming.core import storage
from streaming.core.errors import ApplicationError

from ..keys import ARTWORK_ROOT, LADDER_POSTER
from ..models import Artwork, Title, Video

logger = logging.getLogger(__name__)

ASPECT = (16, 9)
MAX_PIXELS = 50_000_000      # a decompression bomb stops here, before it is decoded
MIN_WIDTH = 320
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
JPEG_OPTIONS = {"quality": 82, "optimize": True, "progressive": True}


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The image in ``data``, upright and in RGB; refuses what is not a picture."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format or ""
            width, height = probe.size
            probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ApplicationError("That file is not an image we can read (JPEG, PNG, WebP or GIF).",
                               code="invalid_image", extra={"field": "image"}) from exc
    if kind not in FORMATS:
        raise ApplicationError(f"{kind or 'That'} images are not accepted: use JPEG, PNG, WebP or GIF.",
                               code="invalid_image", extra={"field": "image"})
    if width * height > MAX_PIXELS:
        raise ApplicationError(f"The image is {width}×{height}: at most {MAX_PIXELS // 1_000_000} megapixels.",
                               code="invalid_image", extra={"field": "image"})
    if width < MIN_WIDTH:
        raise ApplicationError(f"The image is {width} pixels wide: at least {MIN_WIDTH} are needed.",
                               code="invalid_image", extra={"field": "image"})
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (16, 16, 20, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB"), kind


def _crop(image: Image.Image) -> Image.Image:
    """16:9, cut from the middle (a little above it for tall pictures, where faces are)."""
    w, h = image.size
    if w * ASPECT[1] >= h * ASPECT[0]:
        size = (round(h * ASPECT[0] / ASPECT[1]), h)
    else:
        size = (w, round(w * ASPECT[1] / ASPECT[0]))
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **JPEG_OPTIONS)
    return out.getvalue()


def artwork_save(*, title: Title, kind: str, data: bytes, origin: str = Artwork.Origin.UPLOAD) -> Artwork:
    """Store ``data`` as ``title``'s ``kind`` artwork: the original, and each
    width of Artwork.WIDTHS[kind] it can fill (always the smallest). Replaces
    the title's earlier artwork of that kind, whose files go after commit."""
    if kind not in Artwork.Kind.values:
        raise ApplicationError(f"No artwork kind {kind!r}.", code="invalid", extra={"field": "kind"})
    image, fmt = _decode(data)
    cropped = _crop(image)
    digest = hashlib.sha256(data).hexdigest()[:12]
    folder = f"{ARTWORK_ROOT}/{title.pk}"
    original = storage.put_bytes(f"{folder}/{kind}-{digest}-original.{FORMATS[fmt]}", data)
    sizes = Artwork.WIDTHS[Artwork.Kind(kind)]
    widths = [w for w in sizes if w <= cropped.width] or [sizes[0]]
    renditions = []
    for width in widths:
        height = round(width * ASPECT[1] / ASPECT[0])
        resized = cropped.resize((width, height), Image.Resampling.LANCZOS)
        key = storage.put_bytes(f"{folder}/{kind}-{digest}-{width}.jpg", _jpeg(resized))
        renditions.append({"width": width, "height": height, "key": key})
    r, g, b = cropped.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))  # type: ignore[misc]
    with transaction.atomic():
        previous = Artwork.objects.select_for_update().filter(title=title, kind=kind).first()
        old_keys = _keys(previous) if previous else set()
        artwork, _ = Artwork.objects.update_or_create(title=title, kind=kind, defaults={
            "origin": origin, "original": original, "width": image.width, "height": image.height,
            "renditions": renditions, "color": f"#{r:02x}{g:02x}{b:02x}",
        })
        stale = old_keys - _keys(artwork)
        transaction.on_commit(lambda: _delete_files(stale))
    return artwork


def artwork_delete(*, artwork: Artwork) -> None:
    """Remove a title's artwork of one kind, and its files after commit."""
    keys = _keys(artwork)
    with transaction.atomic():
        artwork.delete()
        transaction.on_commit(lambda: _delete_files(keys))


def artwork_image_check(*, data: bytes) -> None:
    """Refuse (ApplicationError) what artwork_save would refuse, before saving anything."""
    _decode(data)


def artwork_from_video(*, video_id: int, replace: bool = False) -> list[Artwork]:
    """A frame of a ready video (the poster its transcode wrote) becomes its
    title's artwork of every kind that has none, or only an earlier frame:
    staff uploads and generated pictures stay unless ``replace`` (staff
    asking for the frame in the admin). Idempotent."""
    video = Video.objects.select_related("title").filter(pk=video_id, status=Video.Status.READY).first()
    if video is None:
        return []
    taken = {a.kind: a.origin for a in video.title.artwork.all()}
    kinds = [k for k in Artwork.Kind.values
             if replace or taken.get(k, Artwork.Origin.VIDEO) == Artwork.Origin.VIDEO]
    if not kinds:
        return []
    key = f"{video.ladder_prefix}/{LADDER_POSTER}"
    try:
        with default_storage.open(key, "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, OSError):
        logger.info("no poster in the ladder of video %s", video_id)
        return []
    made = []
    for kind in kinds:
        try:
            made.append(artwork_save(title=video.title, kind=kind, data=data, origin=Artwork.Origin.VIDEO))
        except ApplicationError as exc:  # a frame too small or unreadable: the title keeps its gradient
            logger.warning("video %s poster not usable as artwork: %s", video_id, exc.message)
    return made


def _keys(artwork: Artwork) -> set[str]:
    return {artwork.original, *(r["key"] for r in artwork.renditions)}


def _delete_files(keys: set[str]) -> None:
    for key in keys:
        try:
            default_storage.delete(key)
        except Exception:  # only disk space is lost
            logger.warning("could not delete artwork file %s", key, exc_info=True)
