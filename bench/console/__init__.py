"""B12 and B13: the console and records' search served over HTTP, timed inside the server."""
