"""B3's processes: a bare FastAPI server (the baseline) and a keep-alive load generator."""
