from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog import selectors
from catalog.selectors import artwork_for, artwork_sources, title_hidden_reason

register = template.Library()


@register.filter
def hue(value) -> int:
    """A stable colour for a title card that has no artwork yet."""
    text = str(value)
    return sum(ord(c) * (i + 1) for i, c in enumerate(text)) % 360


@register.filter
def duration(seconds) -> str:
    if not seconds:
        return ""
    seconds = int(round(float(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h {m:02d}m"
    return f"{m + (s >= 30)} min" if m else f"{s} s"


@register.filter
def money(cents) -> str:
    return f"{int(cents or 0) / 100:.2f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def hidden_reason(title) -> str:
    """Why subscribers do not see this title (for staff), or ""."""
    return title_hidden_reason(title=title)


@register.simple_tag
def artwork_img(title, kind: str, sizes: str = "100vw", css_class: str = "", eager: bool = False) -> str:
    """The title's artwork as an <img> with every width in ``srcset`` (the
    browser picks by ``sizes`` and the screen's density); "" when it has none."""
    artwork = artwork_for(title=title, kind=kind)
    if artwork is None:
        return ""
    sources = artwork_sources(artwork=artwork)
    fallback = next((s for s in sources if s.width >= 640), sources[-1])
    srcset = ", ".join(f"{s.url} {s.width}w" for s in sources)
    return format_html(
        '<img class="{}" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="" decoding="async" '
        'loading="{}"{} style="background-color: {}">',
        css_class, fallback.url, srcset, sizes, fallback.width, fallback.height,
        "eager" if eager else "lazy", mark_safe(' fetchpriority="high"') if eager else "", artwork.color,
    )


@register.simple_tag
def artwork_url(title, kind: str, width: int = 960) -> str:
    """One width of the title's artwork (the smallest at least ``width``), or ""."""
    return selectors.artwork_url(title=title, kind=kind, width=width)
