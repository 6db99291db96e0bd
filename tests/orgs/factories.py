import datetime as dt

import factory
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from apps.orgs.models import Branch, Member, Membership, PartyGroup, Unit, UnitCategory, User
from apps.orgs.services import default_since

PASSWORD = "Test@Pass2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"市测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")
    category = UnitCategory.GOVERNMENT
    order = factory.Sequence(lambda n: n)


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"第{n}党支部")
    founded_on = dt.date(2015, 1, 1)


class PartyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartyGroup

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"第{n}党小组")
    founded_on = factory.LazyAttribute(lambda o: o.branch.founded_on)  # as old as its branch


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"党员{n}")
    gender = "M"
    birth_date = factory.Sequence(lambda n: dt.date(1970, 1, 1) + dt.timedelta(days=37 * (n % 300)))
    join_date = factory.LazyAttribute(lambda o: o.birth_date.replace(year=o.birth_date.year + 25))
    status = "full"

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        """Every member is in their branch since they could have been (or since `membership=<date>`)."""
        if create:
            Membership.objects.create(
                member=obj,
                branch=obj.branch,
                start_on=extracted or default_since(obj),
                end_on=None if obj.active else obj.left_on,
            )


def make_committee(user: User) -> User:
    user.user_permissions.add(Permission.objects.get(codename="committee", content_type__app_label="orgs"))
    return user


def make_unit_secretary(user: User, unit: Unit) -> User:
    assign_perm("orgs.manage_unit", user, unit)
    return user


def make_branch_secretary(user: User, branch: Branch) -> User:
    assign_perm("orgs.manage_branch", user, branch)
    return user
