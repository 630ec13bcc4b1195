"""The edge server behind ``manage.py runedge``: an aiohttp cache server
that checks signed URLs locally, keeps a byte-capped LRU disk cache, fills
misses from the zone peer owning the object, else from origin storage, with
one fetch per object, runs its push-fill plan off-peak, and reports its
health, traffic per viewer zone and the players' CMCD to the control plane.

It needs no database and no Django settings once started: the command
builds an EdgeConfig and hands it over, so tests and benches can run the
same app in-process."""
from edge.server.app import EdgeConfig, edge_app_build
from edge.server.cache import DiskCache
from edge.server.origins import HttpOrigin, LocalOrigin, OriginError, OriginNotFound, S3Origin
from edge.server.peers import Peer

__all__ = ["DiskCache", "EdgeConfig", "HttpOrigin", "LocalOrigin", "OriginError", "OriginNotFound", "Peer",
           "S3Origin", "edge_app_build"]
