"""The litigation bundle: its file format, the case chain it carries, its offline check."""
