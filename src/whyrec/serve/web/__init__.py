"""The web pages of the service: the shopper's view at ``/`` and the analyst's view at ``/analyst``.

The pages are static HTML, CSS and JavaScript shipped inside the package (``static/``), served by the same
process and port as the API; they read their data from the API with the visitor's credential, so they hold
no data themselves. Nothing is fetched from another host.
"""

from whyrec.serve.web.pages import install_web

__all__ = ["install_web"]
