"""Pictures for the demo catalog, drawn with Pillow (offline, deterministic),
so a newcomer's pages show artwork rather than placeholders. Each motif is
a small scene with its subject to the right, where a hero leaves room for
the title's name; the poster is a closer crop of the same scene."""
from __future__ import annotations

import io
import math
import random
from collections.abc import Callable

from PIL import Image, ImageDraw, ImageFilter

W, H = 1920, 1080
RGB = tuple[int, int, int]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


def _gradient(stops: list[tuple[float, RGB]]) -> Image.Image:
    """A vertical gradient through ``stops`` (position 0-1, colour)."""
    column = Image.new("RGB", (1, H))
    for y in range(H):
        t = y / (H - 1)
        for (p0, c0), (p1, c1) in zip(stops, stops[1:], strict=False):
            if p0 <= t <= p1:
                column.putpixel((0, y), _mix(c0, c1, (t - p0) / ((p1 - p0) or 1)))
                break
    return column.resize((W, H))


def _glow(image: Image.Image, centre: tuple[float, float], radius: float, colour: RGB, strength: float = 1.0) -> None:
    layer = Image.new("RGB", (W, H), (0, 0, 0))
    d = ImageDraw.Draw(layer)
    x, y = centre
    d.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(radius * 0.6))
    image.paste(Image.blend(image, _screen(image, layer), strength))


def _screen(a: Image.Image, b: Image.Image) -> Image.Image:
    from PIL import ImageChops

    return ImageChops.screen(a, b)


def _wave(y0: float, amplitude: float, length: float, phase: float, rng: random.Random) -> list[tuple[float, float]]:
    points = [(0.0, float(H))]
    for x in range(0, W + 40, 40):
        wobble = amplitude * math.sin(x / length + phase) + amplitude * 0.35 * math.sin(x / (length * 0.37) + phase * 2)
        points.append((float(x), y0 + wobble + rng.uniform(-2, 2)))
    points.append((float(W), float(H)))
    return points


def _stars(draw: ImageDraw.ImageDraw, rng: random.Random, count: int, below: float) -> None:
    for _ in range(count):
        x, y = rng.uniform(0, W), rng.uniform(0, below)
        r = rng.choice((1, 1, 1, 2, 2, 3))
        shade = rng.randint(150, 255)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(shade, shade, min(255, shade + 20)))


def _coast(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (38, 24, 74)), (0.45, (214, 96, 62)), (0.62, (250, 182, 96)), (1, (20, 40, 60))])
    _glow(img, (W * 0.7, H * 0.56), 150, (255, 214, 140), 0.9)
    d = ImageDraw.Draw(img)
    d.ellipse((W * 0.7 - 95, H * 0.56 - 95, W * 0.7 + 95, H * 0.56 + 95), fill=(255, 226, 170))
    for i, colour in enumerate([(30, 84, 104), (22, 64, 84), (14, 44, 62), (8, 28, 42)]):
        d.polygon(_wave(H * (0.6 + i * 0.09), 14 + i * 6, 120 + i * 40, rng.uniform(0, 6), rng), fill=colour)
    for bx in (W * 0.58, W * 0.79):  # two fishing boats, a mast each
        by = H * 0.66 + rng.uniform(-10, 10)
        d.polygon([(bx - 70, by), (bx + 70, by), (bx + 45, by + 28), (bx - 45, by + 28)], fill=(12, 16, 24))
        d.line((bx, by, bx, by - 120), fill=(12, 16, 24), width=5)
        d.polygon([(bx + 4, by - 115), (bx + 4, by - 20), (bx + 62, by - 30)], fill=(24, 20, 30))
    return img


def _signal(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (6, 8, 22)), (0.6, (18, 30, 62)), (0.8, (40, 34, 70)), (1, (8, 8, 14))])
    d = ImageDraw.Draw(img)
    _stars(d, rng, 260, H * 0.7)
    top = (W * 0.72, H * 0.2)
    for k in range(1, 7):  # rings of the broadcast
        r = 70 * k
        d.arc((top[0] - r, top[1] - r, top[0] + r, top[1] + r), 200, 340, fill=(255, 70 + k * 10, 70), width=4)
    _glow(img, top, 60, (255, 60, 60), 0.8)
    d = ImageDraw.Draw(img)
    d.polygon(_wave(H * 0.8, 40, 300, 1.0, rng), fill=(6, 8, 14))
    base_y = H * 0.8
    left, right = (top[0] - 90, base_y), (top[0] + 90, base_y)
    d.line((*left, *top), fill=(10, 12, 18), width=9)
    d.line((*right, *top), fill=(10, 12, 18), width=9)
    for i in range(1, 12):  # lattice
        t = i / 12
        y = base_y - (base_y - top[1]) * t
        half = 90 * (1 - t)
        d.line((top[0] - half, y, top[0] + half, y), fill=(10, 12, 18), width=4)
    d.ellipse((top[0] - 9, top[1] - 9, top[0] + 9, top[1] + 9), fill=(255, 80, 80))
    return img


def _space(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (10, 6, 30)), (0.5, (40, 18, 78)), (1, (12, 10, 40))])
    d = ImageDraw.Draw(img)
    _stars(d, rng, 420, H)
    cx, cy, r = W * 0.74, H * 0.55, 260
    _glow(img, (cx, cy), r * 1.1, (120, 90, 255), 0.6)
    d = ImageDraw.Draw(img)
    d.ellipse((cx - r * 1.9, cy - r * 0.45, cx + r * 1.9, cy + r * 0.45), outline=(250, 200, 140), width=14)
    planet = Image.new("L", (W, H), 0)
    ImageDraw.Draw(planet).ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    bands = _gradient([(0, (255, 170, 120)), (0.45, (230, 110, 140)), (0.55, (250, 180, 120)), (1, (120, 60, 150))])
    img.paste(bands, (0, 0), planet)
    d = ImageDraw.Draw(img)
    d.arc((cx - r * 1.9, cy - r * 0.45, cx + r * 1.9, cy + r * 0.45), 0, 180, fill=(255, 214, 160), width=14)
    sx, sy = W * 0.52, H * 0.26  # the old space station
    d.rectangle((sx - 60, sy - 14, sx + 60, sy + 14), fill=(210, 214, 230))
    for dx in (-150, 90):
        d.rectangle((sx + dx, sy - 40, sx + dx + 60, sy + 40), fill=(60, 110, 200), outline=(200, 220, 255), width=3)
    d.ellipse((sx - 22, sy - 22, sx + 22, sy + 22), fill=(240, 240, 250))
    return img


def _city(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (12, 14, 30)), (0.55, (44, 34, 70)), (0.7, (90, 50, 80)), (1, (10, 10, 16))])
    d = ImageDraw.Draw(img)
    ground = H * 0.72
    x = W * 0.35
    while x < W:
        width = rng.uniform(70, 150)
        height = rng.uniform(180, 520) * (1.5 if abs(x - W * 0.72) < 90 else 1)
        d.rectangle((x, ground - height, x + width, ground), fill=(14, 16, 26))
        for wy in range(int(ground - height + 18), int(ground - 10), 26):
            for wx in range(int(x + 10), int(x + width - 14), 22):
                if rng.random() < 0.32:
                    lit = rng.choice([(255, 214, 130), (255, 190, 100), (180, 210, 255)])
                    d.rectangle((wx, wy, wx + 9, wy + 13), fill=lit)
        x += width + rng.uniform(4, 20)
    reflection = img.crop((0, int(ground - 300), W, int(ground))).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    reflection = reflection.filter(ImageFilter.GaussianBlur(6))
    img.paste(Image.blend(Image.new("RGB", reflection.size, (8, 8, 14)), reflection, 0.45), (0, int(ground)))
    d = ImageDraw.Draw(img)
    for _ in range(700):  # rain
        rx, ry = rng.uniform(0, W), rng.uniform(0, H)
        d.line((rx, ry, rx - 8, ry + 34), fill=(150, 160, 190), width=1)
    return img


def _monsoon(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (20, 36, 30)), (0.5, (70, 64, 40)), (1, (28, 18, 12))])
    _glow(img, (W * 0.7, H * 0.5), 340, (255, 170, 80), 0.7)
    d = ImageDraw.Draw(img)
    wx0, wy0, wx1, wy1 = W * 0.5, H * 0.12, W * 0.92, H * 0.62  # a window on the rain
    d.rectangle((wx0, wy0, wx1, wy1), outline=(40, 26, 16), width=22)
    d.line(((wx0 + wx1) / 2, wy0, (wx0 + wx1) / 2, wy1), fill=(40, 26, 16), width=14)
    for _ in range(260):
        rx, ry = rng.uniform(wx0 + 12, wx1 - 12), rng.uniform(wy0 + 12, wy1 - 30)
        d.line((rx, ry, rx - 3, ry + 22), fill=(200, 220, 230), width=2)
    px, py = W * 0.71, H * 0.8  # the pot, and its steam
    d.rectangle((W * 0.3, H * 0.86, W, H), fill=(34, 20, 12))
    d.ellipse((px - 170, py - 40, px + 170, py + 110), fill=(22, 18, 18))
    d.rectangle((px - 170, py - 10, px + 170, py + 40), fill=(22, 18, 18))
    d.ellipse((px - 170, py - 40, px + 170, py + 20), fill=(60, 40, 30))
    for k in range(3):
        x0 = px - 70 + k * 70
        points = [(x0 + 22 * math.sin(t / 12 + k), py - 40 - t * 4) for t in range(0, 50)]
        d.line(points, fill=(240, 230, 220), width=6, joint="curve")
    return img.filter(ImageFilter.SMOOTH)


def _ocean(rng: random.Random) -> Image.Image:
    img = _gradient([(0, (30, 120, 170)), (0.4, (10, 60, 110)), (1, (4, 14, 34))])
    rays = Image.new("RGB", (W, H), (0, 0, 0))
    rd = ImageDraw.Draw(rays)
    for _ in range(9):
        x = rng.uniform(W * 0.3, W)
        rd.polygon([(x - 20, 0), (x + 40, 0), (x - 200 + rng.uniform(-80, 80), H), (x - 360, H)], fill=(70, 120, 140))
    img = _screen(img, rays.filter(ImageFilter.GaussianBlur(30)))
    d = ImageDraw.Draw(img)
    cx, cy = W * 0.72, H * 0.86
    for k in range(9, 0, -1):  # the sounded sea floor, contour by contour
        rx, ry = 90 * k, 26 * k
        shade = _mix((10, 40, 70), (40, 200, 190), k / 9)
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=shade, width=3)
    d.polygon(_wave(H * 0.9, 20, 200, 2.0, rng), fill=(4, 12, 26))
    for _ in range(40):
        bx, by, r = rng.uniform(W * 0.5, W * 0.95), rng.uniform(H * 0.1, H * 0.7), rng.uniform(3, 12)
        d.ellipse((bx - r, by - r, bx + r, by + r), outline=(190, 230, 255), width=2)
    return img


MOTIFS: dict[str, Callable[[random.Random], Image.Image]] = {
    "coast": _coast, "signal": _signal, "space": _space, "city": _city, "monsoon": _monsoon, "ocean": _ocean,
}


def _finish(img: Image.Image, rng: random.Random) -> Image.Image:
    """Grain and a vignette, so flat fills read as a picture."""
    noise = Image.effect_noise((W // 2, H // 2), 18).resize((W, H)).convert("RGB")
    img = Image.blend(img, _screen(img, noise), 0.12)
    mask = Image.new("L", (W, H), 0)
    ImageDraw.Draw(mask).ellipse((-W * 0.25, -H * 0.35, W * 1.25, H * 1.35), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(160))
    return Image.composite(img, Image.new("RGB", (W, H), (6, 6, 10)), mask)


def demo_art(*, motif: str, seed: str) -> dict[str, bytes]:
    """A backdrop (the whole scene) and a poster (a closer crop on its subject), as PNG bytes."""
    rng = random.Random(seed)
    scene = _finish(MOTIFS[motif](rng), rng)
    poster = scene.crop((int(W * 0.36), int(H * 0.12), int(W * 0.36) + 1152, int(H * 0.12) + 648))
    out = {}
    for kind, picture in (("backdrop", scene), ("poster", poster)):
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        out[kind] = buffer.getvalue()
    return out
