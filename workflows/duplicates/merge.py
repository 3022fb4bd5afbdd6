"""Merging two records of one person, and undoing it.

Who may merge (`access.policy`): a supervisor or agency admin of the agency that
registered *both* records (`Client.registered_by`) merges alone (`may_merge_at_once`);
no agency gains or loses data by such a merge: everything moved stays with the same
holder, and other agencies keep exactly the grants they had, now on the surviving record.

Records registered by two different public bodies are merged across agencies
(`workflows.duplicates.proposals`): a supervisor of one proposes, a supervisor of the
other approves, and only then `client_merge` runs, with the approved proposal. Then the
record registered earlier survives (and keeps its `registered_by`), the surviving values
are chosen only among the fields both supervisors see of both records (identity; the
other fields keep the survivor's value, or take the other's where the survivor's is
empty), and the agency whose record is merged away keeps an active grant on the
survivor for every section (it registered its record, so it held all of it), on the
legal basis "merge of duplicate records", without end date, origin `merge`. Undoing
(by a supervisor of either agency: it only restores what both had) revokes that grant.

What a merge does, in one transaction: the survivor takes the chosen value per field
(through `client_update`, so history and audit see it); documents, case notes, grants,
access requests and the chosen household membership move to the survivor; the merged record gets
`merged_into` (a tracked save) and loses its blocking keys; permission rows are rebuilt
for every agency involved; a `ClientMerge` keeps the survivor's values before and the
ids of what moved, so `client_merge_undo` can put everything back. The merged record
stays in the database with its history: its page redirects to the survivor.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import update_change_reason

from access import policy
from access.models import AccessRequest, Grant
from access.rows import access_rebuild
from agencies.models import Agency, LegalBasis
from audit.models import AuditEvent
from audit.services import audit_record
from clients import services as client_services
from clients.history import latest_history_id, save_tracked
from clients.models import CaseNote, Client, IdentityDocument
from core.sections import IDENTITY, SECTIONS
from workflows.duplicates import fields
from workflows.duplicates.models import ClientMerge, DuplicatePair, MergeProposal

# The legal basis of the access kept after a merge across agencies (its data migration:
# agencies/migrations/0005_legal_basis_merge_of_duplicates.py).
MERGE_LEGAL_BASIS = "merge-duplicates"


def survivor_across_agencies(a: Client, b: Client) -> Client:
    """Of two records registered by different agencies, the one that survives a merge:
    the one registered earlier (the lower id when registered at the same moment)."""
    return min(a, b, key=lambda client: (client.created_at, client.pk))


def choice_sections(a: Client, b: Client) -> frozenset[str]:
    """The sections whose values a merge lets the supervisors choose: all of them within
    one agency; across agencies only identity, the one section both supervisors see of
    both records."""
    if a.registered_by_id == b.registered_by_id:
        return frozenset(SECTIONS)
    return frozenset({IDENTITY})


@transaction.atomic
def client_merge(
    *,
    pair: DuplicatePair,
    actor,
    survivor_id: int,
    choices: dict[str, str],
    proposal: MergeProposal | None = None,
) -> ClientMerge:
    """Merge the pair's other record into `survivor_id`.

    `choices` maps a name of MERGE_FIELDS to "a" or "b" (the pair's records): whose
    value the survivor keeps. Missing names take the survivor's value, or the other's
    when the survivor's is empty. Records of two agencies are merged only with the
    `proposal` the actor approved (`proposals.merge_proposal_approve`).
    """
    pair = DuplicatePair.objects.select_for_update().get(pk=pair.pk)
    # Locked in id order (a < b), as every merge does, so two merges cannot deadlock.
    a, b = (
        Client.objects.select_for_update()
        .filter(pk__in=[pair.client_a_id, pair.client_b_id])
        .order_by("pk")
    )
    _check_mergeable(pair, a, b, actor, proposal=proposal, survivor_id=survivor_id)
    survivor, merged = (a, b) if survivor_id == a.pk else (b, a)
    across = survivor.registered_by_id != merged.registered_by_id
    allowed = choice_sections(a, b)
    choices = {
        name: choice
        for name, choice in choices.items()
        if name in fields.SECTION_OF and fields.SECTION_OF[name] in allowed
    }
    by_key = {"a": a, "b": b}
    survivor_key, other_key = ("a", "b") if survivor is a else ("b", "a")

    survivor_before = {
        name: fields.to_json(fields.stored(survivor, name)) for name in fields.CHOICE_NAMES
    }
    merged_before = {"household": fields.to_json(fields.stored(merged, "household"))}
    agencies = _agencies_involved(a, b)

    values: dict[str, Any] = {}
    for name in fields.CHOICE_NAMES:
        choice = choices.get(name)
        if choice not in ("a", "b"):
            own, other = fields.stored(survivor, name), fields.stored(merged, name)
            take_other = fields.is_empty(name, own) and not fields.is_empty(name, other)
            choice = other_key if take_other else survivor_key
        source = by_key[choice]
        if source is merged and fields.stored(merged, name) != fields.stored(survivor, name):
            values.update(fields.model_values(merged, name))

    # The merged record leaves its household and points to the survivor first, so the
    # survivor may take over its household membership.
    merged.merged_into = survivor
    merged.household, merged.household_role = None, ""
    merged._change_reason = f"merged into {survivor.reference_code}"
    save_tracked(merged, actor=actor, update_fields=["merged_into", "household", "household_role"])

    before = latest_history_id(survivor)
    survivor = client_services.client_update(
        client=survivor, actor=actor, fields=values, seen_version=client_services.IGNORE_VERSION
    )
    changed = [name for name in fields.CHOICE_NAMES if set(fields.MODEL_FIELDS[name]) & set(values)]
    _mark_history(survivor, actor, f"merge of {merged.reference_code}", after=before)

    documents = _move_documents(merged, survivor, actor)
    notes = list(CaseNote.objects.filter(client=merged).values_list("pk", flat=True))
    CaseNote.objects.filter(pk__in=notes).update(client=survivor)
    grants = list(Grant.objects.filter(client=merged).values_list("pk", flat=True))
    Grant.objects.filter(pk__in=grants).update(client=survivor)
    # Requests for access follow the grants: an approval must open the survivor.
    requests = list(AccessRequest.objects.filter(client=merged).values_list("pk", flat=True))
    AccessRequest.objects.filter(pk__in=requests).update(client=survivor)

    merge_grant = _merge_grant_create(survivor, merged, actor) if across else None

    client_services.match_keys_refresh(clients=[merged, survivor])
    for client in (survivor, merged):
        for agency in agencies:
            access_rebuild(client=client, agency=agency)

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
            "fields_after": {
                name: fields.to_json(fields.stored(survivor, name)) for name in changed
            },
            "documents": documents["moved"],
            "documents_kept": documents["kept"],
            "case_notes": notes,
            "grants": grants,
            "access_requests": requests,
            "household_before": {
                "survivor": survivor_before["household"],
                "merged": merged_before["household"],
            },
            # The grant the merged record's agency keeps on the survivor (across agencies).
            "merge_grant": merge_grant.pk if merge_grant else None,
        },
        merged_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MERGE,
        object_type="clients.client",
        object_id=str(survivor.pk),
        object_ids=[survivor.pk, merged.pk],
        fields=[
            *changed,
            "documents",
            "case_notes",
            "grants",
            "merged_into",
            *(["merge_grant"] if merge_grant else []),
        ],
        history_id=latest_history_id(survivor),
    )
    if merge_grant:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.SHARE,
            obj=merge_grant,
            object_ids=[survivor.pk, merged.pk],
            fields=[f"to:{merge_grant.agency.slug}", *merge_grant.sections],
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
    if not policy.may_merge(actor, survivor, merged):
        raise ValidationError(
            _("Only supervisors of the agencies that registered the records may undo a merge."),
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
    moved = merge.moved
    if (
        Grant.objects.filter(client=survivor, created_at__gt=merge.merged_at)
        .exclude(status__in=[Grant.Status.REVOKED, Grant.Status.DECLINED])
        .exclude(pk=moved.get("merge_grant"))
        .exists()
    ):
        raise ValidationError(
            _(
                "Access to the surviving record was granted after the merge. Revoke it "
                "first, then undo the merge, then grant it again for the right person."
            ),
            code="granted_later",
        )
    # Undo must not silently overwrite what someone changed after the merge.
    after = moved.get("fields_after", {})
    edited = [
        name
        for name in moved.get("fields", [])
        if name in after and fields.to_json(fields.stored(survivor, name)) != after[name]
    ]
    if edited:
        raise ValidationError(
            _(
                "Fields of the surviving record were changed after the merge (%(fields)s). "
                "Compare them with the merged record's history and change them by hand."
            )
            % {"fields": ", ".join(str(fields.LABELS[name]) for name in edited)},
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
        restore.update(fields.from_json(name, merge.survivor_before[name]))
    # The survivor leaves a household it took over before the merged record rejoins it.
    before = latest_history_id(survivor)
    survivor = client_services.client_update(
        client=survivor, actor=actor, fields=restore, seen_version=client_services.IGNORE_VERSION
    )
    _mark_history(survivor, actor, f"merge of {merged.reference_code} undone", after=before)

    household = fields.from_json("household", moved.get("household_before", {}).get("merged"))
    merged.merged_into = None
    merged.household, merged.household_role = household["household"], household["household_role"]
    merged._change_reason = "merge undone"
    save_tracked(merged, actor=actor, update_fields=["merged_into", "household", "household_role"])

    merge_grant = _merge_grant_revoke(moved.get("merge_grant"), survivor, merged, actor)

    client_services.match_keys_refresh(clients=[survivor, merged])
    agencies |= _agencies_involved(survivor, merged)
    for client in (survivor, merged):
        for agency in agencies:
            access_rebuild(client=client, agency=agency)

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
        fields=[
            "undo",
            *moved.get("fields", []),
            "documents",
            "case_notes",
            "grants",
            *(["merge_grant"] if merge_grant else []),
        ],
        history_id=latest_history_id(survivor),
    )
    return merge


def _check_mergeable(
    pair: DuplicatePair,
    a: Client,
    b: Client,
    actor,
    *,
    proposal: MergeProposal | None,
    survivor_id: int,
) -> None:
    if pair.status != DuplicatePair.Status.OPEN:
        raise ValidationError(_("This pair has already been decided."), code="decided")
    if a.merged_into_id or b.merged_into_id:
        raise ValidationError(
            _("One of the records has been merged meanwhile."), code="already_merged"
        )
    if survivor_id not in (a.pk, b.pk):
        raise ValidationError(_("Choose the record that remains."), code="survivor")
    if a.registered_by_id == b.registered_by_id:
        if not policy.may_merge_at_once(actor, a, b):
            raise ValidationError(
                _("Only supervisors of the agency that registered both records may merge them."),
                code="agency",
            )
        return
    # Across agencies: only the approved proposal, approved by the other agency.
    approved = (
        proposal is not None
        and proposal.pair_id == pair.pk
        and proposal.status == MergeProposal.Status.APPROVED
        and proposal.merge_id is None
        and policy.may_approve_merge(actor, a, b, proposing_agency_id=proposal.agency_id)
    )
    if not approved:
        raise ValidationError(
            _(
                "Records registered by different agencies are merged when a supervisor of "
                "one agency proposes it and a supervisor of the other approves it."
            ),
            code="agency",
        )
    if survivor_id != survivor_across_agencies(a, b).pk:
        raise ValidationError(
            _("Across agencies, the record registered earlier remains."), code="survivor"
        )


def _merge_grant_create(survivor: Client, merged: Client, actor) -> Grant:
    """The merged record's agency keeps what it held (its whole record: every section)
    on the survivor, for good, on the legal basis "merge of duplicate records"."""
    basis = LegalBasis.objects.filter(code=MERGE_LEGAL_BASIS).first()
    if basis is None:
        raise ValidationError(
            _("The legal basis for merged records is missing; ask an administrator."),
            code="legal_basis",
        )
    now = timezone.now()
    # Data, not interface: written once, in German like the legal bases' titles.
    purpose = f"Weiterarbeit am zusammengeführten Datensatz Nr. {merged.pk}"
    return Grant.objects.create(
        client=survivor,
        agency_id=merged.registered_by_id,
        granted_by_id=survivor.registered_by_id,
        sections=list(SECTIONS),
        legal_basis=basis,
        purpose=purpose,
        expires_on=None,
        status=Grant.Status.ACTIVE,
        origin=Grant.Origin.MERGE,
        handover_id=uuid.uuid4(),
        created_by=actor,
        decided_by=actor,
        decided_at=now,
    )


def _merge_grant_revoke(pk: int | None, survivor: Client, merged: Client, actor) -> Grant | None:
    """End the grant a merge across agencies gave; the merged record is its agency's again."""
    grant = Grant.objects.filter(pk=pk, origin=Grant.Origin.MERGE).first() if pk else None
    if grant is None:
        return None
    if grant.status != Grant.Status.REVOKED:
        grant.status = Grant.Status.REVOKED
        grant.revoked_by = actor
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["status", "revoked_by", "revoked_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REVOKE,
        obj=grant,
        object_ids=[survivor.pk, merged.pk],
        fields=["undo", *grant.sections],
    )
    return grant


def _mark_history(client: Client, actor, reason: str, *, after: int | None) -> None:
    """Name the merge in the survivor's change history: on the entry client_update just
    wrote (newer than `after`), or on an entry of its own when no field changed."""
    if latest_history_id(client) != after:
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
