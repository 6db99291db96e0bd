"""Study · 学法用法考试 pages: the bank (exams_bank), exam management and results (exams_manage), a member's
exams and attempts (exams_member). URL names other areas use: study:exam_detail, study:attempt_detail,
study:my_exams."""

from django.urls import path

from apps.core.navigation import NavItem
from apps.orgs.access import Role

from . import exams_bank, exams_manage, exams_member

urlpatterns = [
    # 题库 (committee)
    path("questions/", exams_bank.question_list, name="question_list"),
    path("questions/new/", exams_bank.question_create, name="question_create"),
    path("questions/import/", exams_bank.question_import, name="question_import"),
    path("questions/import/template/", exams_bank.question_template, name="question_template"),
    path("questions/<int:pk>/edit/", exams_bank.question_edit, name="question_edit"),
    path("questions/<int:pk>/toggle/", exams_bank.question_toggle, name="question_toggle"),
    # 考试管理 (committee)
    path("exams/manage/", exams_manage.exam_list, name="exam_list"),
    path("exams/new/", exams_manage.exam_create, name="exam_create"),
    path("exams/<int:pk>/edit/", exams_manage.exam_edit, name="exam_edit"),
    path("exams/<int:pk>/publish/", exams_manage.exam_publish, name="exam_publish"),
    path("exams/<int:pk>/unpublish/", exams_manage.exam_unpublish, name="exam_unpublish"),
    path("exams/<int:pk>/results/", exams_manage.exam_results, name="exam_results"),
    path("exams/<int:pk>/results/export/", exams_manage.exam_results_export, name="exam_results_export"),
    # a member's exams
    path("exams/", exams_member.my_exams, name="my_exams"),
    path("exams/<int:pk>/", exams_member.exam_detail, name="exam_detail"),
    path("exams/<int:pk>/start/", exams_member.exam_start, name="exam_start"),
    path("attempts/<int:pk>/", exams_member.attempt_detail, name="attempt_detail"),
    path("attempts/<int:pk>/save/", exams_member.attempt_save, name="attempt_save"),
    path("attempts/<int:pk>/submit/", exams_member.attempt_submit, name="attempt_submit"),
]

NAV_ITEMS = (
    NavItem("题库", "study:question_list", roles=(Role.COMMITTEE,), menu="study", order=32),
    NavItem("考试管理", "study:exam_list", roles=(Role.COMMITTEE,), menu="study", order=34),
    NavItem(
        "我的考试",
        "study:my_exams",
        roles=(Role.MEMBER, Role.BRANCH, Role.UNIT),
        menu="study",
        order=62,
    ),
)
