"""Query-string filters for the API that do not reveal whether another tenant's id exists.

django-filter's default filter for a foreign key validates the id against every row of the related
table, so a missing id fails with 400 while another tenant's id passes and returns an empty page.
Here a foreign key filters by its integer id alone: both give an empty page, and the viewset's
tenant-scoped queryset keeps every other tenant's rows out.
"""
from django import forms
from django.db import models
from django_filters import rest_framework as filters
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS


class IdFilter(filters.NumberFilter):
    """A filter on a related object's primary key that accepts any integer."""

    field_class = forms.IntegerField


class TenantFilterSet(filters.FilterSet):
    """Base filterset of the API: foreign keys filter by id without looking the id up."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
    }


class TenantFilterBackend(filters.DjangoFilterBackend):
    """The API's filter backend; builds filtersets from `filterset_fields` on TenantFilterSet."""

    filterset_base = TenantFilterSet
