"""One function per JSON shape the API returns."""

from core.timeutil import iso


def number(value):
    """A JSON number: whole floats as integers (12000, not 12000.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def full_name(first, last):
    """A contact's display name."""
    return " ".join(part for part in (first, last) if part)


def person(user):
    """`{id, name, avatarUrl}` of a user, or None."""
    if user is None:
        return None
    return {"id": user.id, "name": user.full_name, "avatarUrl": user.avatar_url}


def named(row):
    """`{id, name}` of a company, source, partner, pipeline or template, or None."""
    if row is None:
        return None
    return {"id": row.id, "name": row.name}


def user(row):
    """The user object of login and /me."""
    return {
        "id": row.id,
        "email": row.email,
        "fullName": row.full_name,
        "avatarUrl": row.avatar_url,
    }


def organization(org, membership):
    """`{id, name, role}` of an organization the user belongs to."""
    return {
        "id": org.id,
        "name": org.name,
        "role": membership.role,
        "currency": org.currency,
        "timezone": org.timezone,
    }


def login(access, refresh, user_row, membership):
    """The answer of a login (and of switching organizations)."""
    return {
        "accessToken": access,
        "refreshToken": refresh,
        "user": user(user_row),
        "organization": organization(membership.organization, membership),
    }


def deal_contact(contact):
    """A contact as deals show it (None once it is deleted)."""
    if contact is None:
        return None
    return {
        "id": contact.id,
        "name": full_name(contact.first_name, contact.last_name),
        "phone": contact.phone,
        "email": contact.email,
    }


def deal_item(deal):
    """A deal in `GET /deals` (the query joined stage, contact, company and owner)."""
    return {
        "id": deal.id,
        "title": deal.title,
        "value": number(deal.value),
        "currency": deal.currency,
        "status": deal.status,
        "temperature": deal.temperature,
        "probability": deal.probability,
        "stageId": deal.stage_id,
        "stageName": deal.stage.name,
        "pipelineId": deal.pipeline_id,
        "expectedCloseDate": iso(deal.expected_close_date),
        "updatedAt": iso(deal.updated_at),
        "contact": deal_contact(getattr(deal, "contact_row", None)),
        "company": named(getattr(deal, "company_row", None)),
        "owner": person(deal.owner),
    }


def deal_detail(deal, card):
    """A deal in `GET /deals/{id}`: the item plus detail fields and activity summary."""
    body = deal_item(deal)
    body.update(
        {
            "notes": deal.notes,
            "lostReason": deal.lost_reason,
            "visibility": deal.visibility,
            "createdAt": iso(deal.created_at),
            "closedAt": iso(deal.closed_at),
            "source": named(getattr(deal, "source_row", None)),
            "partner": named(getattr(deal, "partner_row", None)),
            "templateId": deal.template_id,
        }
    )
    body.update(card)
    return body


def deal_card(row, card):
    """A deal card on `GET /pipeline`, from a `deals.card_rows` tuple."""
    (
        deal_id,
        title,
        value,
        currency,
        probability,
        temperature,
        stage_id,
        updated,
        closing,
        contact_id,
        first,
        last,
        phone,
        email,
        company_id,
        company,
        owner_id,
        owner,
        avatar,
    ) = row
    return {
        "id": deal_id,
        "title": title,
        "value": number(value),
        "currency": currency,
        "probability": probability,
        "temperature": temperature,
        "stageId": stage_id,
        "updatedAt": iso(updated),
        "expectedCloseDate": iso(closing),
        "contact": (
            {"id": contact_id, "name": full_name(first, last), "phone": phone, "email": email}
            if contact_id is not None
            else None
        ),
        "company": {"id": company_id, "name": company} if company_id is not None else None,
        "owner": {"id": owner_id, "name": owner, "avatarUrl": avatar},
        "activityStatus": card["activityStatus"],
        "daysSinceLastActivity": card["daysSinceLastActivity"],
    }


def stage(row, count, total):
    """A stage with its aggregates on `GET /pipeline`."""
    return {
        "id": row.id,
        "name": row.name,
        "orderIndex": row.order_index,
        "color": row.color,
        "probability": row.probability,
        "dealCount": count,
        "totalValue": number(total),
    }


def contact_item(contact):
    """A contact in `GET /contacts`."""
    return {
        "id": contact.id,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "jobTitle": contact.job_title,
        "company": named(getattr(contact, "company_row", None)),
    }


def contact_detail(contact):
    """A contact in `GET /contacts/{id}`."""
    body = contact_item(contact)
    body.update(
        {
            "address": contact.address,
            "city": contact.city,
            "state": contact.state,
            "country": contact.country,
            "postalCode": contact.postal_code,
            "notes": contact.notes,
            "owner": person(getattr(contact, "owner_row", None)),
            "createdAt": iso(contact.created_at),
            "updatedAt": iso(contact.updated_at),
        }
    )
    return body


def activity_item(activity, status):
    """An activity in `GET /activities`."""
    deal = getattr(activity, "deal_row", None)
    contact = getattr(activity, "contact_row", None)
    return {
        "id": activity.id,
        "type": activity.type,
        "title": activity.title,
        "description": activity.description,
        "dueDate": iso(activity.due_date),
        "completedAt": iso(activity.completed_at),
        "durationMinutes": activity.duration_minutes,
        "status": status,
        "assignee": person(getattr(activity, "assignee_row", None)),
        "deal": {"id": deal.id, "title": deal.title} if deal is not None else None,
        "contact": (
            {"id": contact.id, "name": full_name(contact.first_name, contact.last_name)}
            if contact is not None
            else None
        ),
    }


def activity_detail(activity, status):
    """An activity in `GET /activities/{id}`: the item plus timestamps."""
    body = activity_item(activity, status)
    body["createdAt"] = iso(activity.created_at)
    body["updatedAt"] = iso(activity.updated_at)
    return body


def template_step(step):
    """A step of an activity template."""
    return {
        "id": step.id,
        "orderIndex": step.order_index,
        "type": step.type,
        "title": step.title,
        "description": step.description,
    }


def template(row, steps):
    """An activity template with its steps."""
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "steps": [template_step(step) for step in steps],
        "archivedAt": iso(row.archived_at),
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }


def pending_step(step):
    """`nextPendingStep`: `{stepIndex, type, title}` or None."""
    if step is None:
        return None
    return {"stepIndex": step.step_index, "type": step.type, "title": step.title}


def progress_step(step):
    """A step of a deal's template progress."""
    return {
        "stepIndex": step.step_index,
        "type": step.type,
        "title": step.title,
        "description": step.description,
        "status": step.status,
        "activityId": step.activity_id,
    }


def device(row):
    """A registered push device."""
    return {
        "id": row.id,
        "expoPushToken": row.expo_push_token,
        "platform": row.platform,
        "deviceInfo": row.device_info,
        "createdAt": iso(row.created_at),
        "lastSeenAt": iso(row.last_seen_at),
        "revokedAt": iso(row.revoked_at),
    }


def member(user, role):
    """A member of the organization, for pickers (`GET /members`)."""
    return {
        "id": user.id,
        "name": user.full_name,
        "email": user.email,
        "avatarUrl": user.avatar_url,
        "role": role,
    }


def company(row):
    """A company (`GET /companies`)."""
    return {
        "id": row.id,
        "name": row.name,
        "createdAt": iso(row.created_at),
        "updatedAt": iso(row.updated_at),
    }
