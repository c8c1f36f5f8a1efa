"""The four caselog services; each owns its data and talks to the others only through the bus."""
