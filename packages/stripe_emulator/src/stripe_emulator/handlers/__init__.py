"""Request handling per resource: each module reads a `Request`, calls its resource's model functions and renders
the answer. The route table (`routes.py`) is their one caller; the objects and their rules are in `resources/`."""
