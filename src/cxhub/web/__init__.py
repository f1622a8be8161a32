"""Server-rendered pages (Jinja2) in one shell."""
