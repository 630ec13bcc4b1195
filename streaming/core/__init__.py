"""The foundation every app stands on: the one application error type and its
single HTTP mapping, the base API pieces (token authentication, pagination,
schema helpers), the embedded broker, storage helpers, shared validators,
and the broker health check. Nothing here imports any app above it."""
