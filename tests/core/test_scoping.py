"""Scoping is declared on every model a user can be shown (ARCHITECTURE rule 10).

A model of the portal that declares no `scope_paths` cannot be shown to a user
(`Scope.filter` raises); this walks every model of the project's apps and every
model the API serves, so a new model that forgets its declaration fails here
before it fails on a page.
"""

import pytest
from django.apps import apps

from apps.core.scoping import ScopePaths, scope_paths_of
from organ_portal.api_urls import router

PROJECT_APPS = [config for config in apps.get_app_configs() if config.name.startswith("apps.")]


def _internal(model) -> bool:
    """Tables no page shows: change history, guardian's permission rows, many-to-many links."""
    name = model.__name__
    return name.startswith("Historical") or name.endswith("ObjectPermission") or model._meta.auto_created


def _served_models():
    for config in PROJECT_APPS:
        for model in config.get_models():
            if not _internal(model):
                yield model


@pytest.mark.parametrize("model", list(_served_models()), ids=lambda m: m._meta.label)
def test_model_declares_its_scope(model):
    paths = scope_paths_of(model)
    assert isinstance(paths, ScopePaths)
    # Declared on the model's own class, not patched on from elsewhere or inherited by accident.
    assert "scope_paths" in model.__dict__, f"{model._meta.label} inherits scope_paths instead of declaring them"
    for lookup in (paths.unit, paths.branch, paths.member, paths.owner):
        if lookup and lookup != "pk":
            # A wrong path fails to resolve here (FieldError), not later on a page.
            assert model._default_manager.filter(**{f"{lookup}__isnull": True}).query is not None


MODEL_ENDPOINTS = [
    (prefix, viewset) for prefix, viewset, _ in router.registry if getattr(viewset, "queryset", None) is not None
]


@pytest.mark.parametrize("prefix, viewset", MODEL_ENDPOINTS, ids=[p for p, _ in MODEL_ENDPOINTS])
def test_every_api_endpoint_serves_a_declared_model(prefix, viewset):
    assert isinstance(scope_paths_of(viewset.queryset.model), ScopePaths), prefix


def test_endpoints_without_a_queryset_are_the_computed_ones():
    """Only the compliance verdicts and the member's own study ledger are computed rather than read from a model;
    they scope by hand."""
    computed = sorted(prefix for prefix, viewset, _ in router.registry if getattr(viewset, "queryset", None) is None)
    assert computed == ["discipline/board", "partylife/compliance", "study/ledger"]


def test_a_model_without_a_declaration_is_refused():
    from apps.orgs.models import UnitUserObjectPermission

    with pytest.raises(TypeError):
        scope_paths_of(UnitUserObjectPermission)
