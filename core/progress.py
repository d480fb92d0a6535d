"""Template progress on deals (CONTRACT §10): every transition lives here."""

from core import activity_records
from models import Activity
from models import Deal
from models import DealTemplateStep
from models import TemplateStep
from models import db
from models import new_id

PENDING = "pending"
SCHEDULED = "scheduled"
COMPLETED = "completed"
CANCELLED = "cancelled"


def steps(deal_id):
    """The deal's progress steps, by index."""
    return list(
        DealTemplateStep.select()
        .where(DealTemplateStep.deal == deal_id)
        .order_by(DealTemplateStep.step_index)
    )


def next_pending(deal_id):
    """The first pending step of the deal, or None."""
    return (
        DealTemplateStep.select()
        .where((DealTemplateStep.deal == deal_id) & (DealTemplateStep.status == PENDING))
        .order_by(DealTemplateStep.step_index)
        .first()
    )


def apply(deal, template, now):
    """Put the deal on `template` (None detaches): its steps are copied, replacing progress.

    Activities created for the old progress stay, unlinked. Applying the template the
    deal is already on changes nothing.
    """
    template_id = template.id if template is not None else None
    if template_id == deal.template_id:
        return False
    with db.atomic():
        DealTemplateStep.delete().where(DealTemplateStep.deal == deal.id).execute()
        if template is not None:
            source = (
                TemplateStep.select()
                .where(TemplateStep.template == template.id)
                .order_by(TemplateStep.order_index, TemplateStep.id)
            )
            rows = [
                {
                    "id": new_id(),
                    "organization": deal.organization_id,
                    "deal": deal.id,
                    "template": template.id,
                    "step_index": index,
                    "type": step.type,
                    "title": step.title,
                    "description": step.description,
                    "status": PENDING,
                }
                for index, step in enumerate(source, start=1)
            ]
            if rows:
                DealTemplateStep.insert_many(rows).execute()
        Deal.update(template=template_id).where(Deal.id == deal.id).execute()
        deal.template = template_id
    return True


def schedule_next(deal, actor_id, due_date, notes, now, contact_id):
    """Create the activity of the next pending step and mark it scheduled.

    Returns (activity, step) or (None, None) when nothing is pending.
    """
    with db.atomic():
        step = next_pending(deal.id)
        if step is None:
            return None, None
        activity = activity_records.create(
            now,
            organization=deal.organization_id,
            type=step.type,
            title=step.title,
            description=notes,
            due_date=due_date,
            assignee=actor_id,
            created_by=actor_id,
            deal=deal.id,
            contact=contact_id,
        )
        step.status = SCHEDULED
        step.activity = activity.id
        step.save()
    return activity, step


def activity_completed(activity_id):
    """The step whose activity was completed is completed."""
    DealTemplateStep.update(status=COMPLETED).where(
        (DealTemplateStep.activity == activity_id) & (DealTemplateStep.status == SCHEDULED)
    ).execute()


def activity_uncompleted(activity_id):
    """The step whose activity was re-opened is scheduled again."""
    DealTemplateStep.update(status=SCHEDULED).where(
        (DealTemplateStep.activity == activity_id) & (DealTemplateStep.status == COMPLETED)
    ).execute()


def activity_deleted(activity_id):
    """The step whose activity was deleted is pending again, with no activity."""
    DealTemplateStep.update(status=PENDING, activity=None).where(
        (DealTemplateStep.activity == activity_id) & (DealTemplateStep.status != CANCELLED)
    ).execute()


def cancel_remaining(deal_id, now):
    """Every step not completed is cancelled, and its open activity deleted."""
    with db.atomic():
        open_steps = list(
            DealTemplateStep.select().where(
                (DealTemplateStep.deal == deal_id)
                & (DealTemplateStep.status.in_([PENDING, SCHEDULED]))
            )
        )
        activity_ids = [s.activity_id for s in open_steps if s.activity_id is not None]
        if activity_ids:
            Activity.update(is_deleted=True, updated_at=now).where(
                Activity.id.in_(activity_ids) & Activity.completed_at.is_null()
            ).execute()
        DealTemplateStep.update(status=CANCELLED, activity=None).where(
            DealTemplateStep.id.in_([s.id for s in open_steps])
        ).execute()
