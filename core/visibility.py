"""Who sees what (CONTRACT §6), as SQL conditions every query goes through."""

import dataclasses

from peewee import SQL
from peewee import fn

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


def deals(viewer, table=Deal):
    """Condition on Deal (or an alias of it): live deals of the organization the viewer sees."""
    base = (table.organization == viewer.org_id) & (table.is_deleted == False)
    if viewer.is_admin:
        return base
    shared = (table.visibility == "organization") | (
        (table.visibility == "team") & table.owner.in_(teammates(viewer))
    )
    if viewer.all_data:
        return base & ((table.owner == viewer.user_id) | shared)
    if viewer.partner_id is None:
        return base & (table.owner == viewer.user_id)
    return base & (
        (table.owner == viewer.user_id) | ((table.partner == viewer.partner_id) & shared)
    )


def _on_visible_deal(viewer, deal_column):
    """Condition: `deal_column` names a deal the viewer sees.

    A correlated EXISTS on the deal's primary key: each candidate row costs one index
    lookup, where `IN (visible deals)` would first list every visible deal of the org.
    """
    seen = Deal.alias()
    return fn.EXISTS(seen.select(SQL("1")).where((seen.id == deal_column) & deals(viewer, seen)))


def contacts(viewer):
    """Condition on Contact: live contacts of the organization the viewer may see."""
    base = (Contact.organization == viewer.org_id) & (Contact.is_deleted == False)
    if not viewer.partner_scoped:
        return base
    seen = Deal.alias()
    of_seen_deal = fn.EXISTS(
        seen.select(SQL("1")).where((seen.contact == Contact.id) & deals(viewer, seen))
    )
    return base & ((Contact.owner == viewer.user_id) | of_seen_deal)


def activities(viewer):
    """Condition on Activity: live activities the viewer may see.

    Everyone also sees the activities assigned to them: a partner's person does by
    the contract, and a full member should not see less than one.
    """
    base = (Activity.organization == viewer.org_id) & (Activity.is_deleted == False)
    if viewer.is_admin:
        return base
    on_seen_deal = _on_visible_deal(viewer, Activity.deal)
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
