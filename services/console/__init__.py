"""The console: the web front end for people, over the four services' public HTTP APIs."""
