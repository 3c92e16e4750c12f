"""feeds.yaml: schema (``schema``: what is watched and the root; ``delivery``: routes, receivers, digests;
``fields``: value types and checks) and loading with file/line/key errors (``loader``, which uses
``yaml_lines``, ``pydantic_errors`` and ``cross_check``); ``describe`` summarises a loaded config."""
