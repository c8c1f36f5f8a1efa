"""What the console shows, as plain data: sessions, languages, the case page's parts."""
