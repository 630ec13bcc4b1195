"""My list: titles a profile keeps to watch later."""
from __future__ import annotations

from catalog.models import Title
from catalog.selectors import titles_visible
from streaming.core.errors import ApplicationError

from ..models import MyListItem, Profile


def my_list_add(*, profile: Profile, title: Title, country: str) -> MyListItem:
    """Add a title the profile may see here; adding twice keeps one entry."""
    if not titles_visible(country=country, kids=profile.kids).filter(pk=title.pk).exists():
        raise ApplicationError("This title is not available in your country or on this profile.",
                               code="not_found")
    item, _ = MyListItem.objects.get_or_create(profile=profile, title=title)
    return item


def my_list_remove(*, profile: Profile, title: Title) -> None:
    MyListItem.objects.filter(profile=profile, title=title).delete()
