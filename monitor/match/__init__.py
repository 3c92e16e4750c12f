"""Topic matching (``keywords``) and, in later issues, the query language and fact extractors."""
