"""Study (理论学习): sessions, 自学, the 应知应会 list, exams, the year's targets and stored roll-ups.

The hours ledger itself is not a table: `apps.study.ledger` sums the sources every app
registers in `apps.core.study_hours` (this app's sessions and 自学 among them).
"""

from .exams import AttemptAnswer, Exam, ExamAttempt, Question, QuestionKind
from .knowledge import KnowledgeCategory, KnowledgeItem, KnowledgeStudy
from .sessions import SelfStudy, SessionAttendance, SessionKind, SessionSpeech, StudySession, YouthGroup
from .settings import StudyYear
from .snapshots import UnitStudySnapshot

__all__ = [
    "AttemptAnswer",
    "Exam",
    "ExamAttempt",
    "KnowledgeCategory",
    "KnowledgeItem",
    "KnowledgeStudy",
    "Question",
    "QuestionKind",
    "SelfStudy",
    "SessionAttendance",
    "SessionKind",
    "SessionSpeech",
    "StudySession",
    "StudyYear",
    "UnitStudySnapshot",
    "YouthGroup",
]
