"""Catalog pages: home rows, search, a title page. A signed-in account with
a chosen profile sees what its country and profile allow."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from streaming.models import MyListItem, WatchProgress
from streaming.selectors import home_rows
from streaming.viewer import profile_required
from transcoding.selectors import renditions_playable

from . import selectors
from .models import Video


@profile_required
def browse(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    rows = home_rows(profile=viewer.profile, country=viewer.country, staff=viewer.staff)
    return render(request, "catalog/browse.html", {"rows": rows, "country": viewer.country, "viewer": viewer})


@profile_required
def search(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    query = request.GET.get("q", "")[:100]
    results = list(selectors.title_search(query=query, country=viewer.country, staff=viewer.staff,
                                          kids=viewer.kids)[:60])
    return render(request, "catalog/search.html",
                  {"query": query, "results": results, "country": viewer.country, "viewer": viewer})


@profile_required
def title_detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = request.viewer
    title = selectors.title_get_visible(slug=slug, country=viewer.country, staff=viewer.staff, kids=viewer.kids)
    if title is None:
        # Same answer for "does not exist" and "not for you here": nothing leaks.
        raise Http404("This title is not available in your country or on this profile.")
    videos = list(title.videos.all())
    film = next((v for v in videos if v.episode_id is None), None)
    playable = {v.pk for v in videos if v.status == Video.Status.READY and renditions_playable(video=v)}
    progress = {p.video_id: p for p in WatchProgress.objects.filter(profile=viewer.profile, title=title)}
    episode_videos = {v.episode_id: v for v in videos if v.episode_id}
    return render(request, "catalog/title_detail.html", {
        "title": title, "video": film, "playable": playable, "progress": progress,
        "episode_videos": episode_videos, "country": viewer.country, "viewer": viewer,
        "in_list": MyListItem.objects.filter(profile=viewer.profile, title=title).exists(),
    })
