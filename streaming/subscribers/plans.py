"""The plans a fresh installation offers (editable in admin afterwards)."""

DEFAULT_PLANS = [
    # name, slug, max_height, screens, price (cents), position
    ("Basic", "basic", 720, 1, 699, 0),
    ("Standard", "standard", 1080, 2, 1199, 1),
    ("Premium", "premium", 2160, 4, 1799, 2),
]


def plans_ensure(plan_model) -> None:
    """Create the default plans that are missing (by slug); never edits existing ones."""
    for name, slug, height, screens, price, position in DEFAULT_PLANS:
        plan_model.objects.get_or_create(
            slug=slug,
            defaults={"name": name, "max_height": height, "screens": screens,
                      "price_cents": price, "position": position},
        )
