"""Rows every lifecycle shares: transition history, tasks, the notification outbox, signatures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.models.org import utcnow


class TransitionLog(SQLModel, table=True):
    __tablename__ = "transition_log"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    lifecycle: str = Field(max_length=40)
    entity_id: int = Field(index=True)
    trigger: str = Field(max_length=40)
    from_state: str = Field(max_length=40)
    to_state: str = Field(max_length=40)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str = Field(max_length=120)
    at: datetime = Field(default_factory=utcnow)
    comment: str = Field(default="", max_length=2000)
    signature_id: int | None = Field(default=None, foreign_key="signature.id")
    on_behalf_of_id: int | None = Field(default=None, foreign_key="person.id")  # 代: a substitute acted for them


class Signature(SQLModel, table=True):
    """An electronic signature: who, meaning, when, and the content hash it is bound to."""

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    signer_name: str = Field(max_length=80)
    meaning: str = Field(max_length=20)  # prepared | reviewed | approved | issued
    lifecycle: str = Field(max_length=40)
    entity_id: int
    content_sha256: str = Field(max_length=64)
    signed_at: datetime = Field(default_factory=utcnow)
    # 代: signed by a substitute, in their own name and roles, for someone away (name kept as signer_name is)
    on_behalf_of_id: int | None = Field(default=None, foreign_key="person.id")
    on_behalf_of_name: str | None = Field(default=None, max_length=80)


YEARLY_DUTY = "lifecycle IN ('training_plan', 'objective_review', 'surrender', 'ets_report') AND status <> 'cancelled'"


class Task(SQLModel, table=True):
    # a yearly duty is one task per person and period, however many runs of the flow meet (migration 0018)
    __table_args__ = (Index("uq_task_yearly_duty", "enterprise_id", "lifecycle", "entity_id", "assignee_id",
                            unique=True, sqlite_where=text(YEARLY_DUTY), postgresql_where=text(YEARLY_DUTY)),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    assignee_id: int = Field(foreign_key="person.id", index=True)
    lifecycle: str = Field(max_length=40)
    entity_id: int
    title_zh: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    due: date | None = None
    status: str = Field(default="open", max_length=12)  # open | done | cancelled
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None


class Outbox(SQLModel, table=True):
    """Notifications written in the same transaction as their cause; delivered after commit.

    ``dedupe_key`` makes scheduled messages (reminders, escalations, digests) idempotent;
    ``delivered`` lists the channels that already have the message, so a retry after one channel
    failed sends only to the ones still owed.
    """

    # the claim reads only messages still owed (partial index); the delivery summary counts by status
    __table_args__ = (Index("ix_outbox_due", "next_attempt_at", "id", sqlite_where=text("status = 'pending'"),
                            postgresql_where=text("status = 'pending'")),
                      Index("ix_outbox_enterprise_status", "enterprise_id", "status"))
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    task_id: int | None = Field(default=None, foreign_key="task.id")
    kind: str = Field(default="task", max_length=20)  # task | reminder | escalation | digest | notice
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    subject: str = Field(max_length=300)
    body: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="pending", max_length=20)  # pending | sent | failed | no_channel
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    delivered: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    last_error: str = Field(default="", max_length=1000)


class NotificationChannel(SQLModel, table=True):
    """Where one person wants messages: an e-mail address or a DingTalk / WeCom / Feishu robot."""

    __tablename__ = "notification_channel"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=20)  # email | dingtalk | wecom | feishu | webhook
    target: str = Field(max_length=500)  # an address for email, an apprise URL for the others
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Delegation(SQLModel, table=True):
    """Someone away names a substitute for a period (plant dates, both days included): their open tasks show in
    the substitute's inbox until the period ends, with no job to undo it."""

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    substitute_id: int = Field(foreign_key="person.id", index=True)
    starts: date
    ends: date
    reason: str = Field(default="", max_length=300)
    named_by_id: int = Field(foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    withdrawn: bool = False


class TaskHandover(SQLModel, table=True):
    """A task given to someone else by a head or carbon manager: who from, to whom, by whom and why."""

    __tablename__ = "task_handover"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    from_id: int = Field(foreign_key="person.id")
    to_id: int = Field(foreign_key="person.id")
    by_id: int = Field(foreign_key="person.id")
    reason: str = Field(max_length=500)
    at: datetime = Field(default_factory=utcnow)


class Countersigner(SQLModel, table=True):
    """One signer an enterprise requires at a countersigned step (``scope``: e.g. a document type): a named person,
    or whoever heads a named department when the step opens."""

    __tablename__ = "countersigner"
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    lifecycle: str = Field(max_length=40)
    scope: str = Field(default="", max_length=40)
    state: str = Field(max_length=40)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    position: int = 0


class Countersignature(SQLModel, table=True):
    """One signer's part in one round of a countersigned step (``round_id``: the move that opened it)."""

    __tablename__ = "countersignature"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    lifecycle: str = Field(max_length=40)
    entity_id: int = Field(index=True)
    round_id: int = Field(foreign_key="transition_log.id")
    person_id: int = Field(foreign_key="person.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")  # signing as its head
    status: str = Field(default="pending", max_length=12)  # pending | signed | rejected
    comment: str = Field(default="", max_length=2000)
    signature_id: int | None = Field(default=None, foreign_key="signature.id")
    decided_at: datetime | None = None
