"""Catalog pages: home rows, search, a title page. A signed-in account with
a chosen profile sees what its country and profile allow; the API renders
the same selectors."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from catalog.selectors import title_get_visible, title_list
from streaming.core.errors import ApplicationError

from .. import selectors, services
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


@require_POST
@profile_required
def my_list_toggle(request: ViewerRequest, slug: str) -> HttpResponse:
    """Add the title to the profile's list, or take it off; back to its page."""
    viewer = request.viewer
    title = title_get_visible(slug=slug, country=viewer.country, staff=viewer.staff, kids=viewer.kids)
    if title is None:
        raise Http404("This title is not available in your country or on this profile.")
    if request.POST.get("action") == "remove":
        services.my_list_remove(profile=viewer.profile, title=title)
    else:
        try:
            services.my_list_add(profile=viewer.profile, title=title, country=viewer.country)
        except ApplicationError as exc:
            raise Http404(exc.message) from exc
    return redirect("catalog:title", slug=title.slug)
