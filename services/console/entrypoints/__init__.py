"""The console's web app: pages, forms and static assets."""
