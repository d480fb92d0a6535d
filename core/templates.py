"""Activity templates: creation and the step-replacement rules of PATCH."""

from core.errors import validation_error
from models import ActivityTemplate
from models import TemplateStep
from models import apply_changes
from models import db
from models import new_id
from models import touch


def steps_of(template_ids):
    """Steps of several templates at once: {template id: [steps by order]}."""
    grouped = {template_id: [] for template_id in template_ids}
    if not template_ids:
        return grouped
    query = (
        TemplateStep.select()
        .where(TemplateStep.template.in_(list(template_ids)))
        .order_by(TemplateStep.template, TemplateStep.order_index, TemplateStep.id)
    )
    for step in query:
        grouped[step.template_id].append(step)
    return grouped


def _step_row(template, index, step, step_id=None):
    return {
        "id": step_id or new_id(),
        "organization": template.organization_id,
        "template": template.id,
        "order_index": index,
        "type": step["type"],
        "title": step["title"],
        "description": step.get("description"),
    }


def create(org_id, actor_id, body, now):
    """A new template with its steps, in one transaction."""
    with db.atomic():
        template = ActivityTemplate.create(
            organization=org_id,
            name=body["name"],
            description=body.get("description"),
            created_by=actor_id,
            created_at=now,
            updated_at=now,
        )
        rows = [_step_row(template, i, s) for i, s in enumerate(body["steps"], start=1)]
        TemplateStep.insert_many(rows).execute()
    return template


def _check_step_ids(template, steps):
    own = {
        s.id
        for s in TemplateStep.select(TemplateStep.id).where(TemplateStep.template == template.id)
    }
    errors, seen = [], set()
    for index, step in enumerate(steps):
        step_id = step.get("id")
        if step_id is None:
            continue
        if step_id not in own:
            errors.append({"path": f"steps.{index}.id", "message": "Not a step of this template"})
        elif step_id in seen:
            errors.append({"path": f"steps.{index}.id", "message": "Listed twice"})
        seen.add(step_id)
    if errors:
        raise validation_error(errors)
    return own


def update(template, body, now):
    """Apply a PATCH: name/description, and `steps` replacing the whole list."""
    values = {key: body[key] for key in ("name", "description") if key in body}
    with db.atomic():
        if "steps" in body:
            own = _check_step_ids(template, body["steps"])
            kept = {s["id"] for s in body["steps"] if s.get("id")}
            TemplateStep.delete().where(
                (TemplateStep.template == template.id) & TemplateStep.id.in_(list(own - kept))
            ).execute()
            for index, step in enumerate(body["steps"], start=1):
                row = _step_row(template, index, step, step.get("id"))
                if step.get("id"):
                    TemplateStep.update(
                        order_index=index,
                        type=row["type"],
                        title=row["title"],
                        description=row["description"],
                    ).where(TemplateStep.id == row["id"]).execute()
                else:
                    TemplateStep.insert(row).execute()
        changed = apply_changes(template, values, now)
        if "steps" in body and not changed:
            touch(template, now)  # new steps are a change of the template too
            changed = True
        if changed:
            template.save()


def archive(template, now):
    """Archive a template (once): it leaves the list and can no longer be applied."""
    if template.archived_at is None:
        apply_changes(template, {"archived_at": now}, now)
        template.save()
