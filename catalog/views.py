"""Catalog pages: browse rows, search, a title page."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from edge.locate import client_country

from . import selectors


def _viewer(request: HttpRequest) -> tuple[str, bool]:
    return client_country(request), bool(request.user.is_authenticated and request.user.is_staff)


def browse(request: HttpRequest) -> HttpResponse:
    country, staff = _viewer(request)
    rows = selectors.browse_rows(country=country, staff=staff)
    return render(request, "catalog/browse.html", {"rows": rows, "country": country})


def search(request: HttpRequest) -> HttpResponse:
    country, staff = _viewer(request)
    query = request.GET.get("q", "")[:100]
    results = list(selectors.title_search(query=query, country=country, staff=staff)[:60])
    return render(
        request, "catalog/search.html", {"query": query, "results": results, "country": country}
    )


def title_detail(request: HttpRequest, slug: str) -> HttpResponse:
    country, staff = _viewer(request)
    title = selectors.title_get_visible(slug=slug, country=country, staff=staff)
    if title is None:
        # Same answer for "does not exist" and "not in your country": no leak.
        raise Http404("This title is not available in your country.")
    video = next(iter(title.videos.all()), None)
    return render(
        request,
        "catalog/title_detail.html",
        {"title": title, "video": video, "country": country},
    )
