from django import template

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
    return f"{h}h {m:02d}m" if h else f"{m}m {s:02d}s"


@register.filter
def money(cents) -> str:
    return f"{int(cents or 0) / 100:.2f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
