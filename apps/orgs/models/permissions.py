"""django-guardian's direct foreign-key permission tables for roles granted on Unit and Branch."""

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .tree import Branch, Unit


class UnitUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE)


class UnitGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Unit, on_delete=models.CASCADE)


class BranchUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Branch, on_delete=models.CASCADE)


class BranchGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Branch, on_delete=models.CASCADE)
