"""feeds.yaml: schema (``schema``) and loading with file/line/key errors (``loader``, which uses
``yaml_lines``, ``pydantic_errors`` and ``cross_check``); ``describe`` summarises a loaded config."""
