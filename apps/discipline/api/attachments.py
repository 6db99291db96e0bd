"""The attachment of a report or a rectification, as the API shows it (its URL is the owner's checked file view)."""

from django.urls import reverse
from rest_framework import serializers

from ..models import Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, obj) -> str:
        view = "discipline:report_file" if obj.report_id else "discipline:rectification_file"
        return reverse(view, args=[obj.pk])
