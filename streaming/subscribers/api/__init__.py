"""The DRF API ``/api/v1/`` for mobile clients: cross-cutting parts (token
authentication, the one error format, pagination, throttles, schema) and the
subscriber endpoints. Catalog, transcoding and edge endpoints live in their
apps' ``api`` modules; ``urls.py`` here gathers them."""
