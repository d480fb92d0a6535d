"""HTTP resources, one module per area, and the route table."""

from resources import activities
from resources import auth
from resources import contacts
from resources import deals
from resources import devices
from resources import directory
from resources import docs
from resources import pipeline
from resources import templates

PREFIX = "/api/v1"


def routes(services):
    """Every URL template (under /api/v1) and the resource that serves it."""
    return {
        "/health": auth.HealthResource(),
        "/auth/login": auth.LoginResource(services),
        "/auth/refresh": auth.RefreshResource(services),
        "/auth/logout": auth.LogoutResource(services),
        "/auth/switch-organization": auth.SwitchOrganizationResource(services),
        "/me": auth.MeResource(),
        "/pipeline": pipeline.PipelineResource(services),
        "/deals": deals.DealCollectionResource(services),
        "/deals/{id:uuid}": deals.DealResource(services),
        "/deals/{id:uuid}/stage": deals.DealStageResource(services),
        "/deals/{id:uuid}/status": deals.DealStatusResource(services),
        "/deals/{id:uuid}/template": templates.DealTemplateResource(services),
        "/deals/{id:uuid}/template/schedule-next": templates.DealScheduleNextResource(services),
        "/contacts": contacts.ContactCollectionResource(services),
        "/contacts/{id:uuid}": contacts.ContactResource(services),
        "/activities": activities.ActivityCollectionResource(services),
        "/activities/{id:uuid}": activities.ActivityResource(services),
        "/activities/{id:uuid}/complete": activities.ActivityCompleteResource(services),
        "/activities/{id:uuid}/uncomplete": activities.ActivityUncompleteResource(services),
        "/activity-templates": templates.TemplateCollectionResource(services),
        "/activity-templates/{id:uuid}": templates.TemplateResource(services),
        "/devices/register": devices.DeviceRegisterResource(services),
        "/members": directory.MemberCollectionResource(),
        "/companies": directory.CompanyCollectionResource(services),
        "/companies/{id:uuid}": directory.CompanyResource(services),
        "/sources": directory.SourceCollectionResource(),
        "/partners": directory.PartnerCollectionResource(),
        "/openapi.json": docs.OpenApiResource(),
        "/docs": docs.DocsResource(),
        "/docs/{asset}": docs.DocsAssetResource(),
    }


def add_routes(app, services):
    """Mount every resource under /api/v1."""
    for path, resource in routes(services).items():
        app.add_route(PREFIX + path, resource)
