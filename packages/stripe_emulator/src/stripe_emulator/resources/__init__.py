"""Resource modules: each builds its objects (API shape) and holds the handlers of its endpoints, which
`routes.py` lists."""
