"""The duplicate review queue: reading the pairs, deciding them, merging and undoing.

Pairs reach `DuplicatePair` (status open) from the batch report and from intake
overrides. Supervisors and agency admins review them here.

Who sees a pair: the queue shows a pair only when the reviewer's agency may see the
identity of *both* records (filtered in SQL through `agencies.access`); a pair it
cannot see fully does not appear at all, and asking for it by id is a 404.

Who may merge: a supervisor or agency admin of the agency that registered *both*
records (`Client.registered_by`). Then no agency gains or loses data by the merge:
everything moved stays with the same holder, and other agencies keep exactly the
grants they had, now on the surviving record. A pair registered by two different
agencies is shown (if both records are visible) but can only be marked "not the same
person": merging it would change what each agency may see (the merged record's agency
would hold the survivor only through a grant, with a legal basis someone must choose),
and that needs both agencies' decision, which the portal does not model yet. A handover
does not help: it grants access, the registering agency stays. The same rule applies
to undoing a merge.

What a merge does, in one transaction: the survivor takes the chosen value per field
(through `client_update`, so history and audit see it); documents, case notes, grants,
access requests and the chosen household membership move to the survivor; the merged record gets
`merged_into` (a tracked save) and loses its blocking keys; permission rows are rebuilt
for every agency involved; a `ClientMerge` keeps the survivor's values before and the
ids of what moved, so `client_merge_undo` can put everything back. The merged record
stays in the database with its history: its page redirects to the survivor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import update_change_reason

from agencies import access
from agencies.models import AccessRequest, Agency, Grant
from audit.models import AuditEvent
from audit.services import audit_record
from clients import services
from clients.models import (
    CaseNote,
    Client,
    ClientMerge,
    DuplicatePair,
    Household,
    IdentityDocument,
)
from clients.sections import SECTIONS


# The fields a merge compares and chooses between, as (choice name, label, model fields,
# section): every field of the record's forms, in form order, labelled as on the forms.
# Birth date and household membership are chosen as a whole.
def _merge_fields() -> tuple[tuple[str, Any, tuple[str, ...], str], ...]:
    fields = []
    for slug, section in SECTIONS.items():
        for name in section.fields:
            if name == "birth_date":
                columns, label = ("birth_year", "birth_month", "birth_day"), _BIRTH_DATE
            else:
                columns, label = (name,), capfirst(Client._meta.get_field(name).verbose_name)
            fields.append((name, label, columns, slug))
    fields.append(("household", _HOUSEHOLD, ("household", "household_role"), "household"))
    return tuple(fields)


_BIRTH_DATE = gettext_lazy("Date of birth")
_HOUSEHOLD = gettext_lazy("Household membership")
MERGE_FIELDS = _merge_fields()
LABELS = {name: label for name, label, _fields, _section in MERGE_FIELDS}
CHOICE_NAMES = tuple(name for name, _label, _fields, _section in MERGE_FIELDS)
_MODEL_FIELDS = {name: fields for name, _label, fields, _section in MERGE_FIELDS}
# Stored "empty" values: a field holding one of these yields to the other record's value.
_EMPTY = (None, "", [], False, "u", "unknown")


# --- Reading: the queue and one pair --------------------------------------------------------


def duplicate_pairs_for_review(user) -> QuerySet[DuplicatePair]:
    """Open pairs whose two records' identity the user's agency may see, best first.

    Only supervisors and agency admins review; for anyone else the queue is empty. A
    pair with a record merged meanwhile is not shown (its other record may still pair
    with the survivor, which the next report proposes).
    """
    if not access.is_supervising(user):
        return DuplicatePair.objects.none()
    visible = access.clients_visible_to(user)
    return (
        DuplicatePair.objects.filter(
            Exists(visible.filter(pk=OuterRef("client_a"), merged_into__isnull=True)),
            Exists(visible.filter(pk=OuterRef("client_b"), merged_into__isnull=True)),
            status=DuplicatePair.Status.OPEN,
        )
        .select_related("client_a__registered_by", "client_b__registered_by")
        .order_by("-score", "pk")
    )


def duplicate_pair_for(user, pk: int) -> DuplicatePair | None:
    """One pair (any status) if the user reviews and may see both records, else None."""
    if not access.is_supervising(user):
        return None
    visible = access.clients_visible_to(user)
    return (
        DuplicatePair.objects.filter(
            Exists(visible.filter(pk=OuterRef("client_a"))),
            Exists(visible.filter(pk=OuterRef("client_b"))),
            pk=pk,
        )
        .select_related("client_a__registered_by", "client_b__registered_by", "decided_by")
        .first()
    )


def may_merge(user, a: Client, b: Client) -> bool:
    """The rule of the module docstring: a supervising member of the agency that
    registered both records."""
    membership = access.membership_for(user)
    return (
        membership is not None
        and membership.role in access.SUPERVISING_ROLES
        and a.registered_by_id == b.registered_by_id == membership.agency_id
    )


def may_decide(user, a: Client, b: Client) -> bool:
    """ "Not the same person" takes the pair off every queue for good: only the agencies
    that registered one of the two records may say so, not one that merely holds grants."""
    membership = access.membership_for(user)
    return (
        membership is not None
        and membership.role in access.SUPERVISING_ROLES
        and membership.agency_id in (a.registered_by_id, b.registered_by_id)
    )


@dataclass(frozen=True)
class FieldComparison:
    name: str
    label: str
    section: str
    value_a: str
    value_b: str
    differs: bool
    # Which record's value the form proposes when that record survives.
    default_if_a: str  # "a" or "b"
    default_if_b: str


def compare(a: Client, b: Client) -> list[FieldComparison]:
    """Field by field, as a person reads them, with the default choice per survivor."""
    rows = []
    for name, label, _fields, section in MERGE_FIELDS:
        raw_a, raw_b = _stored(a, name), _stored(b, name)
        rows.append(
            FieldComparison(
                name=name,
                label=str(label),
                section=section,
                value_a=_shown(a, name),
                value_b=_shown(b, name),
                differs=raw_a != raw_b,
                default_if_a="b" if _is_empty(name, raw_a) and not _is_empty(name, raw_b) else "a",
                default_if_b="a" if _is_empty(name, raw_b) and not _is_empty(name, raw_a) else "b",
            )
        )
    return rows


def merges_into(client: Client) -> QuerySet[ClientMerge]:
    """Merges (not undone) of other records into `client`, for its detail page."""
    return ClientMerge.objects.filter(survivor=client, undone_at__isnull=True).select_related(
        "merged"
    )


def survivor_visible_to(user, pk: int) -> Client | None:
    """The record `pk` was merged into (following chains of merges), if the user's agency
    may see it; None for a record not merged, or a survivor the user may not see."""
    target = Client.objects.filter(pk=pk).values_list("merged_into_id", flat=True).first()
    seen = {pk}
    while target is not None and target not in seen:
        seen.add(target)
        following = Client.objects.filter(pk=target).values_list("merged_into_id", flat=True)
        following = following.first()
        if following is None:
            break
        target = following
    if target is None or target == pk:
        return None
    return access.clients_visible_to(user).filter(pk=target).first()


def merged_ids(client_id: int) -> list[int]:
    """Ids of the records merged (and not unmerged) into `client_id`, transitively."""
    found: list[int] = []
    frontier = [client_id]
    while frontier:
        frontier = list(
            Client.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found += frontier
    return found


# --- Writing: decisions ----------------------------------------------------------------------


@transaction.atomic
def duplicate_pair_decide_not_same(*, pair: DuplicatePair, actor) -> DuplicatePair:
    """Two different people: remembered, never proposed again (duplicate_pair_record
    leaves decided pairs alone)."""
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValidationError(_("This pair has already been decided."), code="decided")
    if not may_decide(actor, pair.client_a, pair.client_b):
        raise ValidationError(
            _("Only supervisors of an agency that registered one of the records decide."),
            code="role",
        )
    pair.status = DuplicatePair.Status.NOT_SAME
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="clients.duplicatepair",
        object_id=str(pair.pk),
        object_ids=[pair.client_a_id, pair.client_b_id],
        fields=["status"],
    )
    return pair


def duplicate_pair_decide(
    *,
    pair: DuplicatePair,
    actor,
    decision: str,
    survivor_id: int | None = None,
    choices: dict[str, str] | None = None,
) -> DuplicatePair | ClientMerge:
    """One entry point for the pair page: "not_same" or "merge"."""
    if decision == "not_same":
        return duplicate_pair_decide_not_same(pair=pair, actor=actor)
    if decision == "merge":
        if survivor_id not in (pair.client_a_id, pair.client_b_id):
            raise ValidationError(_("Choose the record that remains."), code="survivor")
        return client_merge(pair=pair, actor=actor, survivor_id=survivor_id, choices=choices or {})
    raise ValidationError(_("Unknown decision."), code="decision")


@transaction.atomic
def client_merge(
    *, pair: DuplicatePair, actor, survivor_id: int, choices: dict[str, str]
) -> ClientMerge:
    """Merge the pair's other record into `survivor_id`.

    `choices` maps a name of MERGE_FIELDS to "a" or "b" (the pair's records): whose
    value the survivor keeps. Missing names take the survivor's value, or the other's
    when the survivor's is empty.
    """
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    # Locked in id order (a < b), as every merge does, so two merges cannot deadlock.
    a, b = (
        Client.objects.select_for_update()
        .filter(pk__in=[pair.client_a_id, pair.client_b_id])
        .order_by("pk")
    )
    _check_mergeable(pair, a, b, actor)
    survivor, merged = (a, b) if survivor_id == a.pk else (b, a)
    by_key = {"a": a, "b": b}
    survivor_key, other_key = ("a", "b") if survivor is a else ("b", "a")

    survivor_before = {name: _json(_stored(survivor, name)) for name in CHOICE_NAMES}
    merged_before = {"household": _json(_stored(merged, "household"))}
    agencies = _agencies_involved(a, b)

    values: dict[str, Any] = {}
    for name in CHOICE_NAMES:
        choice = choices.get(name)
        if choice not in ("a", "b"):
            own, other = _stored(survivor, name), _stored(merged, name)
            take_other = _is_empty(name, own) and not _is_empty(name, other)
            choice = other_key if take_other else survivor_key
        source = by_key[choice]
        if source is merged and _stored(merged, name) != _stored(survivor, name):
            values.update(_model_values(merged, name))

    # The merged record leaves its household and points to the survivor first, so the
    # survivor may take over its household membership.
    merged.merged_into = survivor
    merged.household, merged.household_role = None, ""
    merged._change_reason = f"merged into {survivor.reference_code}"
    services._save_tracked(
        merged, actor=actor, update_fields=["merged_into", "household", "household_role"]
    )

    before = services._latest_history(survivor)
    survivor = services.client_update(client=survivor, actor=actor, fields=values)
    changed = [name for name in CHOICE_NAMES if set(_MODEL_FIELDS[name]) & set(values)]
    _mark_history(survivor, actor, f"merge of {merged.reference_code}", after=before)

    documents = _move_documents(merged, survivor, actor)
    notes = list(CaseNote.objects.filter(client=merged).values_list("pk", flat=True))
    CaseNote.objects.filter(pk__in=notes).update(client=survivor)
    grants = list(Grant.objects.filter(client=merged).values_list("pk", flat=True))
    Grant.objects.filter(pk__in=grants).update(client=survivor)
    # Requests for access follow the grants: an approval must open the survivor.
    requests = list(AccessRequest.objects.filter(client=merged).values_list("pk", flat=True))
    AccessRequest.objects.filter(pk__in=requests).update(client=survivor)

    services.match_keys_refresh(clients=[merged, survivor])
    for client in (survivor, merged):
        for agency in agencies:
            access.access_rebuild(client=client, agency=agency)

    pair.status = DuplicatePair.Status.MERGED
    pair.decided_by = actor
    pair.decided_at = timezone.now()
    pair.save(update_fields=["status", "decided_by", "decided_at"])
    merge = ClientMerge.objects.create(
        survivor=survivor,
        merged=merged,
        pair=pair,
        survivor_before=survivor_before,
        moved={
            "fields": changed,
            # What the merge wrote, so an undo can tell a later edit from its own work.
            "fields_after": {name: _json(_stored(survivor, name)) for name in changed},
            "documents": documents["moved"],
            "documents_kept": documents["kept"],
            "case_notes": notes,
            "grants": grants,
            "access_requests": requests,
            "household_before": {
                "survivor": survivor_before["household"],
                "merged": merged_before["household"],
            },
        },
        merged_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MERGE,
        object_type="clients.client",
        object_id=str(survivor.pk),
        object_ids=[survivor.pk, merged.pk],
        fields=[*changed, "documents", "case_notes", "grants", "merged_into"],
        history_id=services._latest_history(survivor),
    )
    return merge


@transaction.atomic
def client_merge_undo(*, merge: ClientMerge, actor) -> ClientMerge:
    """Put back what `merge` did: the survivor's values of the fields it changed, the
    moved rows, the merged record's household; the pair is open again.

    Fields the merge did not change keep any later edit; documents added to the
    survivor after the merge stay with it.
    """
    merge = ClientMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge has already been undone."), code="undone")
    a, b = (
        Client.objects.select_for_update()
        .filter(pk__in=[merge.survivor_id, merge.merged_id])
        .order_by("pk")
    )
    survivor, merged = (a, b) if a.pk == merge.survivor_id else (b, a)
    if merged.merged_into_id != survivor.pk:
        raise ValidationError(_("The record is no longer merged."), code="not_merged")
    if not may_merge(actor, survivor, merged):
        raise ValidationError(
            _("Only supervisors of the agency that registered both records may undo a merge."),
            code="agency",
        )
    # Newest first: once the survivor was itself merged on, the rows moved here sit on
    # that later survivor, and undoing this merge first would strand them there.
    if survivor.merged_into_id is not None:
        raise ValidationError(
            _("The surviving record was merged again later: undo that merge first."),
            code="merged_later",
        )
    # Access given on the survivor after the merge (e.g. a moved request approved) was
    # given for the merged person too; which of the two it was meant for is a decision.
    if (
        Grant.objects.filter(client=survivor, created_at__gt=merge.merged_at)
        .exclude(status__in=[Grant.Status.REVOKED, Grant.Status.DECLINED])
        .exists()
    ):
        raise ValidationError(
            _(
                "Access to the surviving record was granted after the merge. Revoke it "
                "first, then undo the merge, then grant it again for the right person."
            ),
            code="granted_later",
        )
    moved = merge.moved
    # Undo must not silently overwrite what someone changed after the merge.
    after = moved.get("fields_after", {})
    edited = [
        name
        for name in moved.get("fields", [])
        if name in after and _json(_stored(survivor, name)) != after[name]
    ]
    if edited:
        raise ValidationError(
            _(
                "Fields of the surviving record were changed after the merge (%(fields)s). "
                "Compare them with the merged record's history and change them by hand."
            )
            % {"fields": ", ".join(str(LABELS[name]) for name in edited)},
            code="edited_later",
        )
    agencies = _agencies_involved(survivor, merged)

    CaseNote.objects.filter(pk__in=moved.get("case_notes", []), client=survivor).update(
        client=merged
    )
    Grant.objects.filter(pk__in=moved.get("grants", []), client=survivor).update(client=merged)
    AccessRequest.objects.filter(pk__in=moved.get("access_requests", []), client=survivor).update(
        client=merged
    )
    for document in IdentityDocument.objects.filter(
        pk__in=moved.get("documents", []), client=survivor
    ):
        document.client = merged
        document._history_user = actor
        document.save(update_fields=["client"])

    restore: dict[str, Any] = {}
    for name in moved.get("fields", []):
        restore.update(_from_json(name, merge.survivor_before[name]))
    # The survivor leaves a household it took over before the merged record rejoins it.
    before = services._latest_history(survivor)
    survivor = services.client_update(client=survivor, actor=actor, fields=restore)
    _mark_history(survivor, actor, f"merge of {merged.reference_code} undone", after=before)

    household = _from_json("household", moved.get("household_before", {}).get("merged"))
    merged.merged_into = None
    merged.household, merged.household_role = household["household"], household["household_role"]
    merged._change_reason = "merge undone"
    services._save_tracked(
        merged, actor=actor, update_fields=["merged_into", "household", "household_role"]
    )

    services.match_keys_refresh(clients=[survivor, merged])
    agencies |= _agencies_involved(survivor, merged)
    for client in (survivor, merged):
        for agency in agencies:
            access.access_rebuild(client=client, agency=agency)

    if merge.pair_id:
        DuplicatePair.objects.filter(pk=merge.pair_id).update(
            status=DuplicatePair.Status.OPEN, decided_by=None, decided_at=None
        )
    merge.undone_by = actor
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_by", "undone_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MERGE,
        object_type="clients.client",
        object_id=str(survivor.pk),
        object_ids=[survivor.pk, merged.pk],
        fields=["undo", *moved.get("fields", []), "documents", "case_notes", "grants"],
        history_id=services._latest_history(survivor),
    )
    return merge


# --- Helpers ---------------------------------------------------------------------------------


def _check_mergeable(pair: DuplicatePair, a: Client, b: Client, actor) -> None:
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValidationError(_("This pair has already been decided."), code="decided")
    if a.merged_into_id or b.merged_into_id:
        raise ValidationError(
            _("One of the records has been merged meanwhile."), code="already_merged"
        )
    if not may_merge(actor, a, b):
        raise ValidationError(
            _(
                "Only supervisors of the agency that registered both records may merge "
                "them. Records registered by different agencies cannot be merged in the "
                "portal yet; you can mark the pair as not the same person."
            ),
            code="agency",
        )


def _mark_history(client: Client, actor, reason: str, *, after: int | None) -> None:
    """Name the merge in the survivor's change history: on the entry client_update just
    wrote (newer than `after`), or on an entry of its own when no field changed."""
    if services._latest_history(client) != after:
        update_change_reason(client, reason)
        return
    client._history_user = actor
    client._change_reason = reason
    client.save(update_fields=["updated_at"])


def _agencies_involved(*clients: Client) -> set[Agency]:
    ids = {client.registered_by_id for client in clients}
    ids |= set(
        Grant.objects.filter(client__in=clients).values_list("agency_id", flat=True).distinct()
    )
    return set(Agency.objects.filter(pk__in=ids))


def _move_documents(merged: Client, survivor: Client, actor) -> dict[str, list[int]]:
    """Move the merged record's documents; one the survivor already has (same type,
    country and number) stays on the merged record instead of breaking uniqueness."""
    own = set(survivor.documents.values_list("doc_type", "issuing_country", "number"))
    moved, kept = [], []
    for document in merged.documents.all():
        if (document.doc_type, document.issuing_country.code, document.number) in own:
            kept.append(document.pk)
            continue
        document.client = survivor
        document._history_user = actor
        document.save(update_fields=["client"])
        moved.append(document.pk)
    return {"moved": moved, "kept": kept}


def _stored(client: Client, name: str) -> Any:
    """A comparable form of one merge field (plain values, no model objects)."""
    if name == "birth_date":
        return [client.birth_year, client.birth_month, client.birth_day]
    if name == "household":
        return [client.household_id, client.household_role] if client.household_id else None
    value = getattr(client, name)
    if name == "nationalities":
        return [str(country.code) for country in value]
    if name == "country_of_birth":
        return str(value.code) if value else ""
    if name == "phone":
        return value.as_e164 if value else ""
    return value


def _is_empty(name: str, value: Any) -> bool:
    if name == "birth_date":
        return value[0] is None
    return value in _EMPTY


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _model_values(client: Client, name: str) -> dict[str, Any]:
    """The model field values behind one merge field, ready for client_update."""
    if name == "household":
        return {"household": client.household, "household_role": client.household_role}
    return {field: getattr(client, field) for field in _MODEL_FIELDS[name]}


def _from_json(name: str, value: Any) -> dict[str, Any]:
    """Model field values from a stored `_json(_stored(...))`."""
    if name == "birth_date":
        return dict(zip(("birth_year", "birth_month", "birth_day"), value, strict=True))
    if name == "household":
        if not value:
            return {"household": None, "household_role": ""}
        return {
            "household": Household.objects.get(pk=value[0]),
            "household_role": value[1],
        }
    if name == "arrival_date" and value:
        return {name: dt.date.fromisoformat(value)}
    return {name: value}


def _shown(client: Client, name: str) -> str:
    """A value as the detail page shows it (labels, not codes)."""
    if name == "birth_date":
        return str(client.birth_date) or "–"
    if name == "household":
        if not client.household_id:
            return "–"
        return f"{client.household} ({client.get_household_role_display()})"
    if name == "nationalities":
        return ", ".join(country.name for country in client.nationalities) or "–"
    if name == "country_of_birth":
        return client.country_of_birth.name if client.country_of_birth else "–"
    if name == "languages":
        return client.get_languages_display() or "–"
    if name == "arrival_date":
        return client.arrival_date.strftime("%d.%m.%Y") if client.arrival_date else "–"
    field = Client._meta.get_field(name)
    if field.choices:
        return str(getattr(client, f"get_{name}_display")()) or "–"
    value = getattr(client, name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value) if value not in (None, "") else "–"
