"""Who sees what (CONTRACT §6), as SQL conditions every query goes through."""

import dataclasses

from models import Activity
from models import Company
from models import Contact
from models import Deal
from models import TeamMember


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The caller as visibility sees them."""

    user_id: str
    org_id: str
    is_admin: bool
    all_data: bool
    partner_id: str | None

    @classmethod
    def of(cls, context):
        """The viewer of an authenticated request."""
        membership = context.membership
        return cls(
            user_id=context.user.id,
            org_id=context.org.id,
            is_admin=membership.role == "admin",
            all_data=bool(membership.can_view_all_org_data),
            partner_id=membership.partner_id,
        )

    @property
    def partner_scoped(self):
        """A partner's person: sees only what is theirs or their partner's."""
        return not self.is_admin and not self.all_data


def teammates(viewer):
    """Subquery: ids of users who share a team with the viewer (the viewer included)."""
    mine = TeamMember.alias()
    theirs = TeamMember.alias()
    return (
        theirs.select(theirs.user)
        .join(mine, on=(mine.team == theirs.team))
        .where((mine.user == viewer.user_id) & (mine.organization == viewer.org_id))
    )


def deals(viewer):
    """Condition on Deal: live deals of the organization the viewer may see."""
    base = (Deal.organization == viewer.org_id) & (Deal.is_deleted == False)
    if viewer.is_admin:
        return base
    shared = (Deal.visibility == "organization") | (
        (Deal.visibility == "team") & Deal.owner.in_(teammates(viewer))
    )
    if viewer.all_data:
        return base & ((Deal.owner == viewer.user_id) | shared)
    if viewer.partner_id is None:
        return base & (Deal.owner == viewer.user_id)
    return base & ((Deal.owner == viewer.user_id) | ((Deal.partner == viewer.partner_id) & shared))


def visible_deal_ids(viewer):
    """Subquery of the ids of the deals the viewer sees."""
    return Deal.select(Deal.id).where(deals(viewer))


def contacts(viewer):
    """Condition on Contact: live contacts of the organization the viewer may see."""
    base = (Contact.organization == viewer.org_id) & (Contact.is_deleted == False)
    if not viewer.partner_scoped:
        return base
    of_deals = Deal.select(Deal.contact).where(deals(viewer) & Deal.contact.is_null(False))
    return base & ((Contact.owner == viewer.user_id) | Contact.id.in_(of_deals))


def activities(viewer):
    """Condition on Activity: live activities the viewer may see.

    Everyone also sees the activities assigned to them: a partner's person does by
    the contract, and a full member should not see less than one.
    """
    base = (Activity.organization == viewer.org_id) & (Activity.is_deleted == False)
    if viewer.is_admin:
        return base
    on_seen_deal = Activity.deal.in_(visible_deal_ids(viewer))
    mine = Activity.assignee == viewer.user_id
    if viewer.partner_scoped:
        return base & (mine | on_seen_deal)
    return base & (Activity.deal.is_null() | mine | on_seen_deal)


def companies(viewer):
    """Condition on Company: live companies the viewer may see."""
    base = (Company.organization == viewer.org_id) & (Company.is_deleted == False)
    if not viewer.partner_scoped:
        return base
    of_contacts = Contact.select(Contact.company).where(
        contacts(viewer) & Contact.company.is_null(False)
    )
    of_deals = Deal.select(Deal.company).where(deals(viewer) & Deal.company.is_null(False))
    return base & (Company.id.in_(of_contacts) | Company.id.in_(of_deals))
