"""feeds.yaml: schema (``schema``) and loading with file/line/key errors (``loader``)."""
