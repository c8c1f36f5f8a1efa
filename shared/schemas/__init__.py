"""Event payload schemas: registration by type and version, upcasting, export and compatibility."""
