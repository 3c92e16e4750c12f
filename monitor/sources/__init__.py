"""Source adapters: one per source kind, each turning a fetched body into ``monitor.model.Entry`` values.

Adapters are pure (bytes and headers in, entries out, ``monitor.errors.ParseError`` when the body is not
what the source should serve). ``monitor.sources.feed`` reads RSS 2.0, RSS 1.0/RDF, Atom and JSON Feed,
and is the only module that imports feedparser.
"""
