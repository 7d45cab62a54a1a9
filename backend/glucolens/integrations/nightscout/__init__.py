"""A Nightscout-compatible API at the host root, so uploaders (xDrip+, Juggluco, Loop, AAPS,
nightscout-librelink-up) write into GlucoLens unchanged. See docs/nightscout.md."""
