"""One page view on the server (app.py says why this script has a folder of its own)."""
from ui.navigation import route

route()
