from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.viewsets import TenantRelatedField, TenantScopedModelViewSet, TenantScopedViewSetMixin
from audits.inventory import load_catalog
from audits.inventory_runs import inventory_run_create
from audits.models import InventoryRun, ToolAnswer, ToolUsage, WebsitePage
from audits.tasks import inventory_run_task
from portals.models import Client


class ToolUsageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ToolUsage
        fields = ["tool_slug", "name", "category", "status", "reason", "evidence"]
        read_only_fields = fields


class InventoryRunSerializer(serializers.ModelSerializer):
    tools = ToolUsageSerializer(many=True, read_only=True)

    class Meta:
        model = InventoryRun
        fields = [
            "id", "client", "status", "progress", "headline", "counts", "overlaps", "missing_categories", "scan_results",
            "changes", "previous_run", "error_message", "created_at", "started_at", "finished_at", "tools", "stack_svg",
        ]
        read_only_fields = fields


class InventoryRunCreateSerializer(serializers.Serializer):
    client = TenantRelatedField(model=Client)


@extend_schema_view(
    list=extend_schema(summary="List stack inventories", description="Inventory runs of the caller's clients, newest first, with their tools."),
    retrieve=extend_schema(summary="Get a stack inventory", description="The headline, each tool with its status, reason and evidence, gaps, overlaps, the change since the previous run and the stack picture as SVG."),
    create=extend_schema(
        summary="Start a stack inventory",
        description="Queue an inventory of the client's tools from connected apps, the questionnaire, the website and the portal data.",
        request=InventoryRunCreateSerializer,
        responses={202: InventoryRunSerializer},
    ),
)
class InventoryRunViewSet(TenantScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    model = InventoryRun
    serializer_class = InventoryRunSerializer
    filterset_fields = ["client", "status"]
    ordering_fields = ["created_at"]

    def refine_queryset(self, queryset):
        return queryset.prefetch_related("tools")

    def create(self, request, *args, **kwargs):
        serializer = InventoryRunCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)

        run = inventory_run_create(client=serializer.validated_data["client"], requested_by=request.user)
        transaction.on_commit(lambda: inventory_run_task.delay(client_id=run.client_id, inventory_run_id=run.pk))
        return Response(InventoryRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ToolAnswerSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)

    class Meta:
        model = ToolAnswer
        fields = ["id", "client", "tool_slug", "in_use", "integration", "notes", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []

    def validate_tool_slug(self, value):
        if value not in load_catalog():
            raise serializers.ValidationError(f'"{value}" is not in the tool catalog; use a catalog slug such as "hubspot" or add a custom tool.')
        return value

    def validate(self, attrs):
        client = attrs.get("client") or self.instance.client
        slug = attrs.get("tool_slug") or self.instance.tool_slug
        duplicates = ToolAnswer.objects.filter(client=client, tool_slug=slug)
        if self.instance is not None:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise serializers.ValidationError({"tool_slug": f"There is already an answer for {slug}; edit it instead."})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List questionnaire answers", description="The consultant's or client's answers about each tool."),
    retrieve=extend_schema(summary="Get a questionnaire answer", description="One tool answer."),
    create=extend_schema(summary="Answer for a tool", description="Say whether the client uses a catalog tool and whether it feeds the CRM."),
    update=extend_schema(summary="Replace an answer", description="Edit the answer."),
    partial_update=extend_schema(summary="Update an answer", description="Edit some fields of the answer."),
    destroy=extend_schema(summary="Delete an answer", description="Delete the answer."),
)
class ToolAnswerViewSet(TenantScopedModelViewSet):
    model = ToolAnswer
    serializer_class = ToolAnswerSerializer
    filterset_fields = ["client", "in_use", "integration"]

    def perform_create(self, serializer):
        serializer.save(answered_by=self.request.user)


class WebsitePageSerializer(serializers.ModelSerializer):
    client = TenantRelatedField(model=Client)

    class Meta:
        model = WebsitePage
        fields = ["id", "client", "url", "uploaded_html", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        from portals.validators import normalize_domain

        client = attrs.get("client") or self.instance.client
        host = normalize_domain(attrs.get("url") or self.instance.url)
        if host not in client.website_domains:
            raise serializers.ValidationError({"url": f"{host} is not one of the client's website domains {client.website_domains}; add it to the client first."})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List website pages", description="Pages of the client's website that inventories scan."),
    retrieve=extend_schema(summary="Get a website page", description="One page, with its uploaded source when there is one."),
    create=extend_schema(summary="Add a website page", description="A URL on one of the client's domains; upload its HTML when workers cannot fetch it."),
    update=extend_schema(summary="Replace a website page", description="Edit the page."),
    partial_update=extend_schema(summary="Update a website page", description="Edit some fields of the page."),
    destroy=extend_schema(summary="Delete a website page", description="Stop scanning the page."),
)
class WebsitePageViewSet(TenantScopedModelViewSet):
    model = WebsitePage
    serializer_class = WebsitePageSerializer
    filterset_fields = ["client"]
