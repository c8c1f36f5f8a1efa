"""The console's ports: how a user signs in and how pages reach the services."""
