"""The edge server behind ``manage.py runedge``: an aiohttp cache server
that checks signed URLs locally, keeps a byte-capped LRU disk cache, fills
misses from origin storage with one fetch per object, and reports its health
to the control plane.

It needs no database and no Django settings once started: the command
builds an EdgeConfig and hands it over, so tests and benches can run the
same app in-process."""
from edge.server.app import EdgeConfig, edge_app_build
from edge.server.cache import DiskCache
from edge.server.origins import HttpOrigin, LocalOrigin, OriginError, OriginNotFound, S3Origin

__all__ = ["DiskCache", "EdgeConfig", "HttpOrigin", "LocalOrigin", "OriginError", "OriginNotFound",
           "S3Origin", "edge_app_build"]
