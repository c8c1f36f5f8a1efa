"""The console's adapters: the services over HTTP, signed session cookies, sign-in methods."""
