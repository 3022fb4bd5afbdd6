"""The change feed's items: ids, section names and versions, no personal data."""

from __future__ import annotations

from rest_framework import serializers

from clients.models import ChangeEntry


class FeedItemSerializer(serializers.Serializer):
    cursor = serializers.IntegerField(help_text="This change's position in the feed.")
    record = serializers.IntegerField(source="client_id", help_text="The record's id.")
    kind = serializers.ChoiceField(
        choices=ChangeEntry.Kind.choices,
        help_text="created, updated, merged (into `merged_into`), grant_started / "
        "grant_ended (your agency gained or lost the sections named).",
    )
    sections = serializers.ListField(
        child=serializers.CharField(),
        help_text="Sections changed (only those your agency holds), or gained or lost.",
    )
    version = serializers.CharField(help_text="The record's version (ETag) after the change.")
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    at = serializers.DateTimeField()


class FeedPageSerializer(serializers.Serializer):
    items = FeedItemSerializer(many=True)
    next_cursor = serializers.IntegerField(
        help_text="Ask with ?cursor=<this> for the next changes; store it once the items "
        "are processed."
    )
    has_more = serializers.BooleanField(
        help_text="More changes wait already (a page may hold fewer items than asked for)."
    )
