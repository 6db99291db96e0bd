"""研讨发言 in the records API: nested in a study record (中心组学习, 第一议题, 党课), written with it."""

from __future__ import annotations

from rest_framework import serializers

from .. import services


class SpeechListSerializer(serializers.ListSerializer):
    """A JSON array of 研讨发言; anything else is refused, never read as "no speeches"."""

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError(
                {"speeches": ['研讨发言须以 JSON 数组提交，例如 [{"speaker": 12, "summary": "……"}]。']}
            )
        return super().to_internal_value(data)


class SpeechSerializer(serializers.Serializer):
    """One 研讨发言 of a study record, in order. Write: speaker, summary."""

    class Meta:
        list_serializer_class = SpeechListSerializer

    speaker = serializers.IntegerField(
        label="发言人",
        source="speaker_id",
        min_value=1,
        max_value=services.MAX_ID,
        help_text="党员 id（须为本单位/支部活动当天在册党员）",
    )
    speaker_name = serializers.CharField(label="姓名", source="speaker.name", read_only=True)
    summary = serializers.CharField(label="发言要点", max_length=300)
