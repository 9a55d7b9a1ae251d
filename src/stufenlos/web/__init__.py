"""Browser assets of the web app and their build step (see :mod:`stufenlos.web.build`)."""
