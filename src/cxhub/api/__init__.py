"""HTTP edge: app factory, router assembly, auth dependencies and error handlers."""
