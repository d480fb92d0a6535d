"""Ids referenced in a body: each must name a record the caller may see, else 404."""

from core import visibility
from core.errors import APIError
from models import ActivityTemplate
from models import Company
from models import Contact
from models import Deal
from models import LeadSource
from models import Membership
from models import Partner
from models import Pipeline
from models import Stage
from models import User


def missing(path, what):
    """404 NOT_FOUND naming the body field whose id is unknown or invisible."""
    return APIError(
        404, "NOT_FOUND", f"{what} not found", details=[{"path": path, "message": "Not found"}]
    )


def _one(query, path, what):
    row = query.first()
    if row is None:
        raise missing(path, what)
    return row


def contact(viewer, contact_id, path="contactId"):
    """A contact the viewer may see."""
    query = Contact.select().where(visibility.contacts(viewer) & (Contact.id == contact_id))
    return _one(query, path, "Contact")


def company(viewer, company_id, path="companyId"):
    """A company the viewer may see."""
    query = Company.select().where(visibility.companies(viewer) & (Company.id == company_id))
    return _one(query, path, "Company")


def _of_org(model, viewer, row_id, path, what):
    """A row of the viewer's organization (every member sees these)."""
    query = model.select().where((model.organization == viewer.org_id) & (model.id == row_id))
    return _one(query, path, what)


def source(viewer, source_id, path="sourceId"):
    """A lead source of the viewer's organization."""
    return _of_org(LeadSource, viewer, source_id, path, "Source")


def partner(viewer, partner_id, path="partnerId"):
    """A partner of the viewer's organization."""
    return _of_org(Partner, viewer, partner_id, path, "Partner")


def stage(viewer, stage_id, path="stageId"):
    """A stage of the viewer's organization."""
    return _of_org(Stage, viewer, stage_id, path, "Stage")


def pipeline(viewer, pipeline_id, path="pipelineId"):
    """A pipeline of the viewer's organization."""
    return _of_org(Pipeline, viewer, pipeline_id, path, "Pipeline")


def deal(viewer, deal_id, path="dealId"):
    """A deal the viewer may see."""
    query = Deal.select().where(visibility.deals(viewer) & (Deal.id == deal_id))
    return _one(query, path, "Deal")


def member(viewer, user_id, path="assigneeId"):
    """An active member of the viewer's organization."""
    query = (
        User.select()
        .join(Membership, on=(Membership.user == User.id))
        .where(
            (Membership.organization == viewer.org_id)
            & (User.id == user_id)
            & (User.is_active == True)
        )
    )
    return _one(query, path, "Member")


def template(viewer, template_id, path="templateId", usable=False):
    """An activity template of the organization; `usable` leaves archived ones out."""
    condition = (ActivityTemplate.organization == viewer.org_id) & (
        ActivityTemplate.id == template_id
    )
    if usable:
        condition &= ActivityTemplate.archived_at.is_null()
    return _one(ActivityTemplate.select().where(condition), path, "Template")
