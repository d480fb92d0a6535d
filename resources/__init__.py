"""HTTP resources, one module per area, and the route table."""

from resources import auth

PREFIX = "/api/v1"


def add_routes(app, services):
    """Mount every resource under /api/v1."""
    routes = {
        "/health": auth.HealthResource(),
        "/auth/login": auth.LoginResource(services),
        "/auth/refresh": auth.RefreshResource(services),
        "/auth/logout": auth.LogoutResource(services),
        "/me": auth.MeResource(),
    }
    for path, resource in routes.items():
        app.add_route(PREFIX + path, resource)
