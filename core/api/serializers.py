"""Serializers of the core objects, in Waldur's shapes (url + uuid, related URLs and names)."""

from django.db import transaction
from rest_framework import serializers

from core.api.fields import HyperlinkedIdentityField, HyperlinkedRelatedField, UuidOrUrlRelatedField
from core.models import (
    Customer,
    Invoice,
    InvoiceItem,
    Offering,
    OfferingComponent,
    Plan,
    Project,
    Resource,
)


def related(view_name: str, queryset, **kwargs) -> UuidOrUrlRelatedField:
    return UuidOrUrlRelatedField(view_name=view_name, queryset=queryset, **kwargs)


class CustomerSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="customer-detail", lookup_field="uuid")

    class Meta:
        model = Customer
        fields = [
            "url", "uuid", "created", "modified", "name", "native_name", "abbreviation", "email",
            "phone_number", "address", "postal", "country", "vat_code",
        ]


class ProjectSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="project-detail", lookup_field="uuid")
    customer = related("customer-detail", Customer.objects.all())
    customer_uuid = serializers.UUIDField(source="customer.uuid", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Project
        fields = ["url", "uuid", "created", "modified", "name", "description", "customer", "customer_uuid", "customer_name"]


class OfferingComponentSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfferingComponent
        fields = ["uuid", "type", "name", "measured_unit", "billing_type"]


class PlanBriefSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="plan-detail", lookup_field="uuid")

    class Meta:
        model = Plan
        fields = ["url", "uuid", "name", "unit"]


class OfferingSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="offering-detail", lookup_field="uuid")
    customer = related("customer-detail", Customer.objects.all())
    customer_uuid = serializers.UUIDField(source="customer.uuid", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    components = OfferingComponentSerializer(many=True, required=False)
    plans = PlanBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Offering
        fields = [
            "url", "uuid", "created", "modified", "name", "description", "type", "customer",
            "customer_uuid", "customer_name", "components", "plans",
        ]

    def validate_components(self, components):
        types = [component["type"] for component in components]
        if len(types) != len(set(types)):
            raise serializers.ValidationError("Component types must be unique within an offering.")
        return components

    @transaction.atomic
    def create(self, validated_data):
        components = validated_data.pop("components", [])
        offering = Offering.objects.create(**validated_data)
        OfferingComponent.objects.bulk_create(OfferingComponent(offering=offering, **c) for c in components)
        return offering

    @transaction.atomic
    def update(self, instance, validated_data):
        components = validated_data.pop("components", None)
        instance = super().update(instance, validated_data)
        if components is not None:
            # Components are replaced by type: kept ones are updated, missing ones removed.
            by_type = {c["type"]: c for c in components}
            instance.components.exclude(type__in=by_type).delete()
            for component_type, values in by_type.items():
                OfferingComponent.objects.update_or_create(offering=instance, type=component_type, defaults=values)
        return instance


class PlanSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="plan-detail", lookup_field="uuid")
    offering = related("offering-detail", Offering.objects.all())
    offering_uuid = serializers.UUIDField(source="offering.uuid", read_only=True)
    offering_name = serializers.CharField(source="offering.name", read_only=True)

    class Meta:
        model = Plan
        fields = ["url", "uuid", "created", "modified", "name", "description", "unit", "offering", "offering_uuid", "offering_name"]


class ResourceSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="resource-detail", lookup_field="uuid")
    project = related("project-detail", Project.objects.all())
    offering = related("offering-detail", Offering.objects.all())
    plan = related("plan-detail", Plan.objects.all(), required=False, allow_null=True)
    project_uuid = serializers.UUIDField(source="project.uuid", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    customer_uuid = serializers.UUIDField(source="project.customer.uuid", read_only=True)
    customer_name = serializers.CharField(source="project.customer.name", read_only=True)
    offering_uuid = serializers.UUIDField(source="offering.uuid", read_only=True)
    offering_name = serializers.CharField(source="offering.name", read_only=True)
    plan_uuid = serializers.UUIDField(source="plan.uuid", read_only=True, allow_null=True)

    class Meta:
        model = Resource
        fields = [
            "url", "uuid", "created", "modified", "name", "description", "state", "backend_id",
            "project", "project_uuid", "project_name", "customer_uuid", "customer_name",
            "offering", "offering_uuid", "offering_name", "plan", "plan_uuid",
            "attributes", "report", "current_usages",
        ]

    def validate(self, attrs):
        offering = attrs.get("offering", getattr(self.instance, "offering", None))
        plan = attrs.get("plan", getattr(self.instance, "plan", None))
        if plan is not None and offering is not None and plan.offering_id != offering.id:
            raise serializers.ValidationError({"plan": ["The plan does not belong to the offering."]})
        return attrs


class InvoiceItemSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="invoiceitem-detail", lookup_field="uuid")
    invoice = HyperlinkedRelatedField(view_name="invoice-detail", lookup_field="uuid", read_only=True)
    invoice_uuid = serializers.UUIDField(source="invoice.uuid", read_only=True)
    resource_uuid = serializers.UUIDField(source="resource.uuid", read_only=True, allow_null=True)
    project_uuid = serializers.UUIDField(source="project.uuid", read_only=True, allow_null=True)
    total = serializers.DecimalField(max_digits=30, decimal_places=7, read_only=True)

    class Meta:
        model = InvoiceItem
        fields = [
            "url", "uuid", "created", "modified", "invoice", "invoice_uuid", "name", "resource_uuid",
            "project_uuid", "unit_price", "quantity", "unit", "measured_unit", "article_code",
            "total", "start", "end", "details",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    url = HyperlinkedIdentityField(view_name="invoice-detail", lookup_field="uuid")
    customer = HyperlinkedRelatedField(view_name="customer-detail", lookup_field="uuid", read_only=True)
    customer_uuid = serializers.UUIDField(source="customer.uuid", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)
    month = serializers.IntegerField(source="period.month", read_only=True)
    total = serializers.DecimalField(max_digits=30, decimal_places=7, read_only=True)
    items_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "url", "uuid", "created", "modified", "customer", "customer_uuid", "customer_name",
            "year", "month", "state", "currency", "invoice_date", "total", "items_count",
        ]
        read_only_fields = fields
