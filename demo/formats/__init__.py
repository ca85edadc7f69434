"""Each source's real wire format, one module per spider kind (as in crawler/spiders)."""
