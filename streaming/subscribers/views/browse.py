"""Catalog pages: home rows, search, a title page. A signed-in account with
a chosen profile sees what its country and profile allow; the API renders
the same selectors."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from catalog.selectors import title_list

from .. import selectors
from ..viewer import ViewerRequest, profile_required


@profile_required
def browse(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    rows = selectors.home_rows(profile=viewer.profile, country=viewer.country, staff=viewer.staff)
    return render(request, "catalog/browse.html", {"rows": rows, "country": viewer.country, "viewer": viewer})


@profile_required
def search(request: ViewerRequest) -> HttpResponse:
    viewer = request.viewer
    query = request.GET.get("q", "")[:100].strip()
    results = list(title_list(country=viewer.country, staff=viewer.staff, kids=viewer.kids,
                              query=query)[:60]) if query else []
    return render(request, "catalog/search.html",
                  {"query": query, "results": results, "country": viewer.country, "viewer": viewer})


@profile_required
def title_detail(request: ViewerRequest, slug: str) -> HttpResponse:
    viewer = request.viewer
    detail = selectors.title_detail(slug=slug, profile=viewer.profile, country=viewer.country, staff=viewer.staff)
    if detail is None:
        # Same answer for "does not exist" and "not for you here": nothing leaks.
        raise Http404("This title is not available in your country or on this profile.")
    return render(request, "catalog/title_detail.html", {
        "detail": detail, "title": detail.title, "country": viewer.country, "viewer": viewer,
    })
