"""A bare Falcon JSON endpoint on the project's waitress settings: the HTTP ceiling."""

import sys

import falcon
import waitress

from upstream import WAITRESS


class Bare:
    def on_get(self, req, resp):
        resp.media = {"success": True, "data": {"ok": True}}


def main(port, threads):
    """Serve GET /bare until terminated."""
    app = falcon.App()
    app.add_route("/bare", Bare())
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, **WAITRESS)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
