"""The client-network table as every web process reads it: a prefix table
(edge.prefixes) built once per process from the ClientNetwork rows and
rebuilt when the table changes.

"Changed" is a version in the shared cache (Redis in production), which the
services writing the table bump after commit. A lookup reads that one key
and compares it with the version its copy was built from: one cache read
per lookup, and a rebuild (a few seconds for a million prefixes) only after
a change. A version missing from the cache (evicted, or a cleared cache) is
set anew, which costs one rebuild everywhere and is otherwise harmless.

The first table of a process is built before the first lookup answers (web
servers start building it at boot: client_networks_warm, from wsgi.py). A
rebuild of a large table (BACKGROUND_ROWS prefixes or more) runs in a
thread while lookups keep using the previous table, so a feed import never
stalls playback starts; a small one is rebuilt at once, so a change made in
the admin shows on the next lookup."""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection

from edge.models import ClientNetwork, Zone
from edge.prefixes import PrefixTable, prefix_parse

logger = logging.getLogger(__name__)
VERSION_KEY = "edge:client-networks:version"
LOAD_CHUNK = 20_000
BACKGROUND_ROWS = 100_000

# A zone code and a country, either possibly None: what a prefix says.
Label = tuple[str | None, str | None]


@dataclass(frozen=True)
class ClientNetworkMatch:
    cidr: str
    zone_code: str | None
    country: str | None


# (version, table): one reference, swapped whole, so no thread sees a table
# with another table's version.
_loaded: tuple[str, PrefixTable[Label]] | None = None
_build_lock = threading.Lock()
_rebuild_lock = threading.Lock()  # guards _rebuilding only: never held during a build
_rebuilding: threading.Thread | None = None


def client_networks_version_bump() -> str:
    """A new version: every process rebuilds its table before its next lookup."""
    version = uuid.uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # add, not set: processes racing here agree on one version.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return str(version)


def client_networks_table_build() -> PrefixTable[Label]:
    """A fresh prefix table from the ClientNetwork rows (streamed from the
    database in chunks). A row without a country takes its zone's."""
    zones = {pk: (code, country) for pk, code, country in Zone.objects.values_list("pk", "code", "country")}
    table: PrefixTable[Label] = PrefixTable()
    rows = ClientNetwork.objects.values_list("cidr", "zone_id", "country").order_by().iterator(chunk_size=LOAD_CHUNK)
    for cidr, zone_id, country in rows:
        try:
            version, network, length = prefix_parse(cidr)
        except ValueError:
            continue  # rows are validated on the way in; a legacy oddity must not stop the rest
        zone_code, zone_country = zones.get(zone_id, (None, None)) if zone_id else (None, None)
        table.add_parsed(version, network, length, (zone_code, country or zone_country))
    return table.freeze()


def _build(version: str) -> PrefixTable[Label]:
    global _loaded
    with _build_lock:  # one build per process, however many threads ask
        loaded = _loaded
        if loaded is None or loaded[0] != version:
            loaded = _loaded = (version, client_networks_table_build())
        return loaded[1]


def _rebuild_in_background(version: str) -> None:
    global _rebuilding

    def run() -> None:
        try:
            _build(version)
        except Exception:
            logger.exception("client networks: rebuilding the prefix table failed; the previous one stays")
        finally:
            connection.close()  # this thread's own connection, gone with the thread

    with _rebuild_lock:
        if _rebuilding is not None and _rebuilding.is_alive():
            return
        _rebuilding = threading.Thread(target=run, name="client-networks-rebuild", daemon=True)
        _rebuilding.start()


def client_networks_table() -> PrefixTable[Label]:
    """This process's prefix table, rebuilt if the table changed (a large
    one in the background, the previous copy answering meanwhile)."""
    version = _current_version()
    loaded = _loaded
    if loaded is not None and loaded[0] == version:
        return loaded[1]
    if loaded is not None and len(loaded[1]) >= BACKGROUND_ROWS:
        _rebuild_in_background(version)
        return loaded[1]
    return _build(version)


def client_networks_warm() -> threading.Thread:
    """Build this process's table in a thread now, so that the first viewer
    does not wait for it (called by the web server's entry point)."""

    def run() -> None:
        try:
            client_networks_table()
        except Exception as exc:  # no tables yet (before migrate), no database: the first lookup tries again
            logger.warning("client networks: prefix table not built at start (%s); the first lookup will", exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="client-networks-warm", daemon=True)
    thread.start()
    return thread


def client_network_match(*, client_ip: str | None) -> ClientNetworkMatch | None:
    """The most specific ClientNetwork holding ``client_ip``, if any."""
    if not client_ip:
        return None
    match = client_networks_table().match(client_ip)
    if match is None:
        return None
    zone_code, country = match.value
    return ClientNetworkMatch(cidr=match.cidr, zone_code=zone_code, country=country)
